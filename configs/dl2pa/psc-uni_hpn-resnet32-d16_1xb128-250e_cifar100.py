# PSC* (Table 8): the PSC baseline + 1e-2 * L_uni on its learnable prototypes
# Recipe: BALANCED (Tables 1-2, 8-9; configs/dl2pa/README.md, 'Two recipes'): prototype heads regress
# l2(f) (no norm before the l2) with loss 'hpn'; schedule: inherited from _base_.
_base_ = ['./psc_hpn-resnet32-d16_1xb128-250e_cifar100.py']

model = dict(head=dict(type='UniformityLinearClsHead', uniformity_weight=1e-2, t=2.0))
