# CLNet-Hourglass (8 stacks), MPII test set, 256x256 (paper Table 2: 91.9
# PCKh@0.5 from the MPII benchmark). The steps of
# clnet_r50_mpii_256x256_test.py, with this config and
# out = 'work_dirs/clnet_hourglass8_mpii_256x256_test/' in step 3.
_base_ = ['./clnet_hourglass8_mpii_256x256.py']

test_dataloader = dict(
    dataset=dict(
        ann_file='annotations/mpii_test_nolabels.json',
        headbox_file=None))
test_evaluator = dict(
    _delete_=True,
    type='DumpResults',
    out_file_path='work_dirs/clnet_hourglass8_mpii_256x256_test/preds.pkl')
