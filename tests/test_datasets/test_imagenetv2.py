import pytest
from PIL import Image

from mmproto.datasets import ImageNetV2


def test_folder_name_is_the_label(tmp_path):
    for label in (2, 10, 999):
        (tmp_path / str(label)).mkdir()
        for i in range(2):
            Image.new('RGB', (4, 4)).save(tmp_path / str(label) / f'{i}.jpeg')
    (tmp_path / 'README.txt').write_text('not a class')
    ds = ImageNetV2(data_root=str(tmp_path), pipeline=[dict(type='LoadImageFromFile')])
    assert ds.get_gt_labels().tolist() == [2, 2, 10, 10, 999, 999]  # not '10' < '2'
    assert len(ds.CLASSES) == 1000 and ds[0]['img'].shape == (4, 4, 3)


def test_bad_folders(tmp_path):
    with pytest.raises(FileNotFoundError, match='data_root'):
        ImageNetV2(data_root=str(tmp_path / 'missing'))
    (tmp_path / '1000').mkdir()
    with pytest.raises(ValueError, match='class index'):
        ImageNetV2(data_root=str(tmp_path))
