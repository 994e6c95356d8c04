# CLNet-ResNet18, COCO, 256x192: a point of the paper's backbone sweep
# (fig. 4a, CLNet-ResNet18 to 152 against SimpleBaseline on COCO 256x192; the
# paper prints no number for it). The recipe of clnet_r50_coco_256x192.py; a
# ResNet18 has 256 channels at stride 16, so the head's bottlenecks are 256
# wide (64 in the middle).
_base_ = ['./clnet_r50_coco_256x192.py']

model = dict(
    backbone=dict(
        depth=18,
        init_cfg=dict(type='Pretrained',
                      checkpoint='torchvision://resnet18')),
    head=dict(in_channels=256))
