"""Pictures that explain a DNC classifier through real training images (§4.3, App. L, DNC).

Follows mmpretrain's ``UniversalVisualizer`` conventions: each ``visualize_*`` method draws a
matplotlib figure, returns it as an RGB array, and either writes it to ``out_file`` or hands it
to the visualizer's storage backends (``add_image``); ``show=True`` displays it.
"""

from typing import List, Optional, Sequence

import mmcv
import numpy as np
from mmengine.dist import master_only
from mmengine.visualization.utils import img_from_canvas
from mmpretrain.registry import VISUALIZERS
from mmpretrain.visualization import UniversalVisualizer
from mmpretrain.visualization.utils import create_figure

__all__ = ['DNCVisualizer']


def _show_image(ax, image: Optional[np.ndarray], title: str = '', fontsize: float = 7) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    if image is None:
        ax.set_facecolor('#eeeeee')
        ax.text(0.5, 0.5, 'n/a', ha='center', va='center', fontsize=fontsize, color='gray')
    elif image.ndim == 2 or image.shape[-1] == 1:
        ax.imshow(image.squeeze(), cmap='gray', vmin=0, vmax=255)
    else:
        ax.imshow(image)
    if title:
        ax.set_title(title, fontsize=fontsize, pad=2)


@VISUALIZERS.register_module()
class DNCVisualizer(UniversalVisualizer):
    """Sub-centroid image grids, IF...THEN rules and similarity explanations (Fig. 3-6, DNC)."""

    def _finish(
        self, figure, show: bool, wait_time: float, out_file: Optional[str], name: str, step: int
    ) -> np.ndarray:
        drawn = img_from_canvas(figure.canvas)
        self.set_image(drawn)
        if show:
            self.show(drawn, win_name=name, wait_time=wait_time)
        if out_file is not None:
            mmcv.imwrite(drawn[..., ::-1], out_file)
        else:
            self.add_image(name, drawn, step=step)
        return drawn

    @master_only
    def visualize_subcentroids(
        self,
        images: Sequence[Sequence[Optional[np.ndarray]]],
        class_names: Sequence[str],
        captions: Optional[Sequence[Sequence[str]]] = None,
        title: str = '',
        cell_inches: float = 0.85,
        show: bool = False,
        wait_time: float = 0,
        out_file: Optional[str] = None,
        name: str = 'subcentroids',
        step: int = 0,
    ) -> np.ndarray:
        """Grid of sub-centroid images: one row per class, one column per sub-centroid (Fig. 3
        top, Fig. 5).

        Args:
            images: ``[rows][K]`` RGB / grey images (``None`` = no valid sub-centroid).
            class_names: one name per row.
            captions: optional ``[rows][K]`` text under each image (e.g. image id, cosine).
            title: optional lines above the grid (e.g. what the images and numbers mean).
        """
        rows = len(images)
        cols = max(len(r) for r in images)
        if rows == 0 or len(class_names) != rows:
            raise ValueError('images and class_names must have the same, non-zero length')
        title_inches = 0.16 * (title.count('\n') + 1) + 0.1 if title else 0.0
        height = rows * (cell_inches + 0.25) + 0.2 + title_inches
        figure = create_figure(figsize=(max(cols * cell_inches + 1.2, 5.2), height), margin=True)
        if title:
            figure.text(0.01, 1 - 0.05 / height, title, fontsize=6.5, va='top')
        grid = figure.add_gridspec(
            rows,
            cols,
            left=0.2 if cols < 3 else 0.14,
            right=0.98,
            top=1 - (title_inches + 0.15) / height,
            bottom=0.02,
            hspace=0.55,
        )
        for r in range(rows):
            for k in range(cols):
                ax = figure.add_subplot(grid[r, k])
                image = images[r][k] if k < len(images[r]) else None
                caption = captions[r][k] if captions is not None and k < len(captions[r]) else ''
                _show_image(ax, image, f'k={k}' + (f'\n{caption}' if caption else ''), 6)
                if k == 0:
                    ax.set_ylabel(class_names[r], fontsize=8, rotation=0, ha='right', va='center')
        return self._finish(figure, show, wait_time, out_file, name, step)

    @master_only
    def visualize_rule(
        self,
        class_name: str,
        own_images: Sequence[Optional[np.ndarray]],
        other_images: Sequence[Optional[np.ndarray]],
        other_names: Sequence[str],
        rule_text: str,
        verdict: str = '',
        max_other: Optional[int] = None,
        show: bool = False,
        wait_time: float = 0,
        out_file: Optional[str] = None,
        name: str = 'rule',
        step: int = 0,
    ) -> np.ndarray:
        """The IF...THEN rule of one class (Eq. 10, Fig. 3 bottom): its sub-centroid images
        ``Î_k``, the other classes' representative images ``Ǐ_t`` and the rule as text.

        Args:
            own_images: the K images ``Î_1..K`` of the class.
            other_images: the T images ``Ǐ_1..T`` (all, or the first ``max_other``).
            other_names: class name of each ``Ǐ_t``.
            rule_text: the rule (see :func:`mmproto.visualization.format_if_then_rule`).
            verdict: optional extra line (e.g. whether the rule fires for a query).
        """
        own = list(own_images)
        others = list(other_images)[:max_other]
        per_row = 12
        other_rows = max(1, -(-len(others) // per_row))
        legend = (
            f'How to read it: [I, Î1] is the cosine similarity between the features of the image '
            f'I to classify and of the image Î1 (1 = same direction).\n'
            f'Î1..Î{len(own)}: the training images nearest to the sub-centroids of '
            f'"{class_name}"; Ǐ1..Ǐ{len(other_images)}: those of every other class.\n'
            f'The rule: I is "{class_name}" if one Îk is more similar to I than every Ǐt is.'
        )
        rule_text = rule_text + '\n\n' + legend
        text_lines = rule_text.count('\n') + 2 + (1 if verdict else 0)
        height = 1.3 + 0.85 * other_rows + 0.16 * text_lines + 0.4
        figure = create_figure(figsize=(9.0, height), margin=True)
        h_img, h_oth, h_txt = 1.3 / height, 0.85 * other_rows / height, 0.16 * text_lines / height
        top = 1.0 - 0.25 / height
        figure.text(
            0.01, top, f'Î: sub-centroid images of "{class_name}" (the training image nearest to '
            'each sub-centroid)', fontsize=8, va='top',
        )  # fmt: skip
        for k, image in enumerate(own):
            ax = figure.add_axes((0.01 + k * 0.1, top - h_img + 0.02 / height, 0.09, h_img * 0.7))
            _show_image(ax, image, f'Î{k + 1}')
        top -= h_img
        shown = f'first {len(others)} of ' if len(other_images) > len(others) else ''
        figure.text(
            0.01, top, f'Ǐ: sub-centroid images of the other classes ({shown}T = '
            f'{len(other_images)})', fontsize=8, va='top',
        )  # fmt: skip
        for t, image in enumerate(others):
            r, c = divmod(t, per_row)
            y = top - (r + 1) * 0.85 / height + 0.02 / height
            ax = figure.add_axes((0.01 + c * 0.08, y, 0.055, 0.5 / height))
            _show_image(ax, image, f'Ǐ{t + 1} {other_names[t]}'[:14], 5)
        top -= h_oth + 0.1 / height
        text = rule_text + (f'\n\n{verdict}' if verdict else '')
        figure.text(0.01, top, text, fontsize=6.5, family='monospace', va='top')
        del h_txt
        return self._finish(figure, show, wait_time, out_file, name, step)

    @master_only
    def visualize_explanation(
        self,
        query_image: np.ndarray,
        class_names: Sequence[str],
        subcentroid_images: Sequence[Optional[np.ndarray]],
        similarities: Sequence[float],
        title: str = '',
        captions: Optional[Sequence[str]] = None,
        show: bool = False,
        wait_time: float = 0,
        out_file: Optional[str] = None,
        name: str = 'explanation',
        step: int = 0,
    ) -> np.ndarray:
        """Explain one prediction (Fig. 4, 6): the query, the closest sub-centroid image of each
        top-scoring class and their normalised similarities as bars.

        Args:
            query_image: the query image.
            class_names: the top classes, best first.
            subcentroid_images: the closest sub-centroid image of each of them.
            similarities: normalised similarity of the query to each (drawn as bars).
            title: text above the query (e.g. prediction and ground truth).
            captions: optional text under each sub-centroid image.
        """
        n = len(class_names)
        if not (len(subcentroid_images) == len(similarities) == n) or n == 0:
            raise ValueError('class_names, subcentroid_images and similarities must match')
        figure = create_figure(figsize=(1.5 * (n + 1) + 0.4, 3.1), margin=True)
        grid = figure.add_gridspec(2, n + 1, height_ratios=[1.25, 1], hspace=0.45, wspace=0.3)
        _show_image(figure.add_subplot(grid[:, 0]), query_image, title or 'query', 7)
        for i in range(n):
            caption = f'\n{captions[i]}' if captions else ''
            _show_image(
                figure.add_subplot(grid[0, i + 1]), subcentroid_images[i],
                f'{i + 1}. {class_names[i]}{caption}', 6.5,
            )  # fmt: skip
        bars = figure.add_subplot(grid[1, 1:])
        xs: List[int] = list(range(n))
        colors = ['#d62728'] + ['#1f77b4'] * (n - 1)
        bars.bar(xs, similarities, color=colors, width=0.55)
        for x, s in zip(xs, similarities):
            bars.text(x, s, f'{s:.2f}', ha='center', va='bottom', fontsize=7)
        bars.set_xticks(xs)
        bars.set_xticklabels([str(c)[:14] for c in class_names], fontsize=6.5)
        bars.set_ylim(0, max(max(similarities) * 1.25, 1e-6))
        bars.set_title('normalised similarity', fontsize=7)
        bars.tick_params(axis='y', labelsize=6)
        return self._finish(figure, show, wait_time, out_file, name, step)
