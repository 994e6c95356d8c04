# CLNet-ResNet50, MPII test set, 256x256 (paper Table 2: 90.4 PCKh@0.5 from
# the MPII benchmark). The test set has no public labels, and MMPose 1.3.2
# has no MPII submission writer: MpiiPCKAccuracy needs labels and head boxes,
# and MpiiDataset needs 'joints' and 'joints_vis' in every entry, which the
# test annotations (mpii_test.json of MMPose's MPII download) lack. So:
# 1. give the test people empty labels, once: visibility 0, at the person's
#    centre (MpiiDataset drops a person whose coordinates are all <= 0):
#   python - <<'EOF'
#   import json
#   name = 'data/mpii/annotations/mpii_test'
#   with open(name + '.json') as f:
#       people = json.load(f)
#   for person in people:
#       person.setdefault('joints', [person['center']] * 16)
#       person.setdefault('joints_vis', [0] * 16)
#   with open(name + '_nolabels.json', 'w') as f:
#       json.dump(people, f)
#   EOF
# 2. predict; MMEngine's DumpResults (what tools/test.py --dump uses) saves
#    the predictions, in image pixels:
#   python tools/test.py configs/clnet_r50_mpii_256x256_test.py CKPT
# 3. write them as MMPose 0.x's MPII pred.mat: 'preds' (N, 16, 2), MATLAB's
#    1-based pixels, in the order of mpii_test.json:
#   python - <<'EOF'
#   import pickle
#   import numpy as np
#   from scipy.io import savemat
#   out = 'work_dirs/clnet_r50_mpii_256x256_test/'
#   with open(out + 'preds.pkl', 'rb') as f:
#       results = sorted(pickle.load(f), key=lambda r: r['id'])
#   preds = np.concatenate([r['pred_instances']['keypoints']
#                           for r in results])
#   savemat(out + 'pred.mat', {'preds': preds + 1.0})
#   EOF
_base_ = ['./clnet_r50_mpii_256x256.py']

test_dataloader = dict(
    dataset=dict(
        ann_file='annotations/mpii_test_nolabels.json',  # step 1
        headbox_file=None))  # no head boxes: no PCKh here
test_evaluator = dict(
    _delete_=True,
    type='DumpResults',
    out_file_path='work_dirs/clnet_r50_mpii_256x256_test/preds.pkl')
