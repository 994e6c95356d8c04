# CLNet-ResNet50, COCO, 384x288 input (paper Table 1: 73.4 AP on val2017,
# 9.5 GFLOPs). Same recipe as the 256x192 row; only the input size changes,
# so the maps are 18x24 cells at stride 16.
_base_ = ['./clnet_r50_coco_256x192.py']

codec = dict(
    type='CLCodec', input_size=(288, 384), stride=16, sigma=16.0, tau=0.6)

model = dict(head=dict(decoder=codec))

# the pipelines of clnet_r50_coco_256x192.py, for this codec
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
