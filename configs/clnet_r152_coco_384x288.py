# CLNet-ResNet152, COCO, 384x288 (paper Table 1: 74.9 AP on val2017, 74.1 on
# test-dev2017, 25.9 GFLOPs).
_base_ = ['./clnet_r50_coco_384x288.py']

model = dict(
    backbone=dict(
        depth=152,
        init_cfg=dict(type='Pretrained',
                      checkpoint='torchvision://resnet152')))
