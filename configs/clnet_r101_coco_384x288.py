# CLNet-ResNet101, COCO, 384x288 (paper Table 1: 74.2 AP, 17.7 GFLOPs).
_base_ = ['./clnet_r50_coco_384x288.py']

model = dict(
    backbone=dict(
        depth=101,
        init_cfg=dict(type='Pretrained',
                      checkpoint='torchvision://resnet101')))
