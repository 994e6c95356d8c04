# Eq. (4) ablation: f read as the squared error *summed* over each
# keypoint's cells (then averaged over keypoints), which weighs the heatmap
# term H * W times more than the paper rows' reading, the mean over the
# cells (192 times at 256x192). docs/loss_region.md gives the argument for
# each reading and what each learned in 20 CPU minutes from scratch.
_base_ = ['../clnet_r50_coco_256x192.py']

model = dict(head=dict(loss=dict(heatmap_reduction='sum')))
