"""``dnc-induction``: sub-category discovery, DNC vs the linear head (DNC Tables 13-14 analogue).

DNC's claim (App. E): trained on coarse labels, DNC's feature space separates the fine classes
far better than a linear head's (1-NN "induction" accuracy +14 points on CIFAR-20 -> 100),
because the linear head collapses each class while DNC's K sub-centroids per class keep its
sub-classes apart. Setting: the 3 Fashion-MNIST coarse groups (4 / 3 / 3 fine classes) of
``*_fashion-mnist-coarse3.py``, the first 12k training images, LeNet-5 features, SGD 0.05 +
cosine; evaluated after every epoch: 1-NN on the 10 fine classes (the first 5k test images as
queries, the first 5k training images as gallery), the classifier's coarse top-1, the collapse
of the gallery (training) features (``NeuralCollapse``: NC1 on the coarse and the fine labels,
the sub-class share of the within-group variance) and, for DNC, how the training images spread
over each group's sub-centroids (``SubCentroidUsage``: effective K in use, fine purity).

Arms, group ``10 epochs`` (940 iterations): ``linear``; ``dnc-paper`` (K = 4, mu = 0.999,
memory of 100 batches, eps = 0.05, random init, LN_C: the paper's / official values); one knob
changed at a time: ``dnc-mu0.99`` (short-schedule momentum: 0.999^940 = 39 % of a sub-centroid is
still its random init at the end, 0.99^940 < 0.01 %), ``dnc-init-samples``, ``dnc-k1`` (one
centroid per group), ``dnc-k10`` (more sub-centroids than any group has fine classes),
``dnc-mem0`` (no memory: the current batch only), ``dnc-temperature`` (cosine / 0.1 instead of
LN_C). Group ``30 epochs`` (2820 iterations, the longest schedule that fits): ``linear`` and
``dnc-paper``, to see whether the linear head's features collapse with more training.
"""

from ..study import Arm, Metric, Study

LINEAR = 'configs/dnc/lenet5_1xb128-3e_fashion-mnist-coarse3.py'
DNC = 'configs/dnc/dnc_lenet5_1xb128-3e_fashion-mnist-coarse3.py'
TRAIN_SIZE, QUERY_SIZE, GALLERY_SIZE = 12000, 5000, 5000
SHORT, LONG = 10, 30

DATA = dict(
    train_dataloader=dict(dataset=dict(dataset=dict(indices=TRAIN_SIZE))),
    val_dataloader=dict(
        dataset=dict(
            query=dict(dataset=dict(indices=QUERY_SIZE)),
            gallery=dict(dataset=dict(indices=GALLERY_SIZE)),
        )
    ),
)


def schedule(epochs: int) -> dict:
    return dict(
        train_cfg=dict(max_epochs=epochs, val_interval=1),
        param_scheduler=dict(T_max=epochs),
        default_hooks=dict(checkpoint=dict(interval=epochs, max_keep_ckpts=1)),
    )


def head(**fields) -> dict:
    return dict(model=dict(head=fields))


# the metrics both induction studies report (the 200-epoch one adds the train accuracy)
INDUCTION = Metric('induction/top1', 'induction 1-NN (10 fine)')
NC1 = (
    Metric('nc/train_label_nc1', 'NC1 coarse', fmt='.3f'),
    Metric('nc/fine_nc1', 'NC1 fine', fmt='.2f'),
)
SUBCLASS_SHARE = Metric('nc/subclass_share', 'sub-class share', fmt='.3f')
SUBCENTROID_USE = (
    Metric('subcentroid/eff_k', 'sub-centroids used (eff. K)', fmt='.2f'),
    Metric('subcentroid/fine_purity', 'fine purity of sub-centroids', fmt='.3f'),
)

KNOBS = {
    'dnc-paper': {},
    'dnc-mu0.99': head(momentum=0.99),
    'dnc-init-samples': head(init='samples'),
    'dnc-k1': head(num_subcentroids=1),
    'dnc-k10': head(num_subcentroids=10),
    'dnc-mem0': head(memory_size=0),
    'dnc-temperature': head(logit_norm='temperature', temperature=0.1),
}


def _arms():
    short = f'{SHORT} epochs'
    yield Arm('linear', LINEAR, schedule(SHORT), short)
    for name, fields in KNOBS.items():
        yield Arm(name, DNC, {**schedule(SHORT), **fields}, short)
    long = f'{LONG} epochs'
    yield Arm('linear', LINEAR, schedule(LONG), long)
    yield Arm('dnc-paper', DNC, schedule(LONG), long)


STUDY = Study(
    name='dnc-induction',
    arms=tuple(_arms()),
    metrics=(
        INDUCTION,
        Metric('induction/coarse_top1', 'top-1 (3 coarse)'),
        *NC1,
        Metric('nc/train_label_tr_ratio', 'trSw/trSb coarse', fmt='.3f'),
        SUBCLASS_SHARE,
        *SUBCENTROID_USE,
        Metric('subcentroid/fine_majority', 'purity floor (1 per group)', fmt='.3f'),
    ),
    methods=tuple(KNOBS),
    baselines=('linear',),
    overrides=DATA,
    smoke_train_size=256,
    smoke_val_size=100,
    description=(
        f'Fashion-MNIST, 3 coarse groups (tops: T-shirt, Pullover, Coat, Shirt; shoes: Sandal, '
        f'Sneaker, Ankle boot; others: Trouser, Dress, Bag), first {TRAIN_SIZE // 1000}k '
        f'training images, LeNet-5 (120-d), batch 128, SGD 0.05 + cosine, {SHORT} and {LONG} '
        f'epochs. Induction: 1-NN (cosine) of the first {QUERY_SIZE // 1000}k test images '
        f'among the first {GALLERY_SIZE // 1000}k training images on the 10 fine labels, in '
        "each head's final feature space (linear: its input; DNC: l2(LN_D(f))). NC1 = "
        'tr(Sw Sb^+)/C and trSw/trSb of the l2-normalised gallery (training) features; '
        'sub-class share = 1 - trSw(fine)/trSw(coarse). dnc-paper: K = 4, mu = 0.999, memory '
        '100 batches, random init, LN_C; every other dnc arm changes one of these.'
    ),
)
