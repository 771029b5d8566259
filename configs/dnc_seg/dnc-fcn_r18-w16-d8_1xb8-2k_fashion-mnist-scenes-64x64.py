# DNC-FCN on the Fashion-MNIST scenes (CPU quick start): the FCN beside it with its 1x1 conv_seg
# replaced by nearest class sub-centroids (DNC §4.2: K=10, mu=0.999), updated after every
# iteration by SubCentroidUpdateHook.
_base_ = './fcn_r18-w16-d8_1xb8-2k_fashion-mnist-scenes-64x64.py'

model = dict(
    decode_head=dict(
        type='DNCFCNHead',
        num_subcentroids=10,  # K
        momentum=0.999,  # mu, Eq. 8
    )
)
custom_hooks = [dict(type='SubCentroidUpdateHook')]
