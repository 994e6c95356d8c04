# Plain 8-stack hourglass of Newell et al. (ECCV 2016), LSP, 256x256: the
# baseline of fig. 4(b) (accuracy of each stage on the LSP test set). The
# model and recipe of td-hm_hourglass8_mpii_256x256.py with LSP's 14
# keypoints; the data and evaluation of ../clnet_hourglass8_lsp_256x256.py.
# Accuracy of stage i (fig. 4b): --cfg-options model.test_cfg.stage=i.
_base_ = ['./td-hm_hourglass8_mpii_256x256.py']

model = dict(
    backbone=dict(num_keypoints=14),
    head=dict(in_channels=14, out_channels=14))

default_hooks = dict(checkpoint=dict(save_best='tPCK', rule='greater'))

# LSP: the first 1000 LSP images + LSP-extended for training, the last 1000
# LSP images for testing (see ../clnet_r50_lsp_256x256.py)
dataset_type = 'LspDataset'
data_root = 'data/lsp/'
train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/lsp_train.json',
        data_prefix=dict(img='')))
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        data_mode='topdown',
        ann_file='annotations/lsp_test.json',
        data_prefix=dict(img=''),
        test_mode=True,
        pipeline={{_base_.val_pipeline}}))
test_dataloader = val_dataloader
val_evaluator = dict(_delete_=True, type='LspPCKAccuracy', thr=0.2)
test_evaluator = val_evaluator
