# CLNet-ResNet101, COCO, 256x192: a point of the paper's backbone sweep
# (fig. 4a; the paper's table gives the ResNet101 row at 384x288 only,
# configs/clnet_r101_coco_384x288.py). The recipe of clnet_r50_coco_256x192.py.
_base_ = ['./clnet_r50_coco_256x192.py']

model = dict(
    backbone=dict(
        depth=101,
        init_cfg=dict(type='Pretrained',
                      checkpoint='torchvision://resnet101')))
