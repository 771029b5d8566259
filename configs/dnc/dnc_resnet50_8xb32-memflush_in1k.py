# DNC-ResNet-50 with the released code's memory instead of the paper's FIFO queue (reference
# notes §1.5): the gathered global batches accumulate until the memory holds 1000 of them, the
# sub-centroids are clustered and moved once on everything accumulated, and the memory is
# emptied, i.e. one sub-centroid update every 1000 iterations. Not a paper row: a variant for
# comparing with the official checkpoints' training.
_base_ = ['./dnc_resnet50_8xb32_in1k.py']

model = dict(head=dict(memory_mode='flush'))
