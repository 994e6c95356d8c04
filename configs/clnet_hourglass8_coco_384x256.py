# CLNet-Hourglass (8 stacks), COCO, 384x256 (paper Table 1: 76.5 AP on
# val2017, 75.8 on test-dev2017, 52.9 GFLOPs). Only the input size changes.
_base_ = ['./clnet_hourglass8_coco_256x192.py']

codec = dict(
    type='CLCodec', input_size=(256, 384), stride=16, sigma=16.0, tau=0.6)

model = dict(head=dict(decoder=codec))

# the pipelines of clnet_hourglass8_coco_256x192.py, for this codec
train_pipeline = [
    dict(t, input_size=codec['input_size']) if 'input_size' in t else
    dict(t, encoder=codec) if 'encoder' in t else t
    for t in _base_.train_pipeline
]
val_pipeline = [
    dict(t, input_size=codec['input_size']) if 'input_size' in t else t
    for t in _base_.val_pipeline
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader
