# Table 5b: DNC-ResNet-101 with an external memory of 800 global batches (default 1000).
_base_ = ['./dnc_resnet101_8xb32_in1k.py']

model = dict(head=dict(memory_size=800 * 256))  # batches x global batch (8 GPUs x 32)
