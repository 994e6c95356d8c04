# CLNet-CSPNeXt-s, COCO, 256x192: the m config at RTMPose-s's width and depth,
# from RTMPose-s's pretrained CSPNeXt-s, without weight decay as RTMPose-s.
# Put it against MMPose's rtmpose-s_8xb256-420e_coco-256x192.py (71.6 AP on
# COCO val, 0.68 GFLOPs).
_base_ = ['./clnet_cspnext-m_coco_256x192.py']

# RTMPose-s trains its small model without weight decay
optim_wrapper = dict(optimizer=dict(weight_decay=0.))

model = dict(
    backbone=dict(
        # RTMPose-s's CSPNeXt-s: stages 1-3 give 256 channels
        deepen_factor=0.33,
        widen_factor=0.5,
        init_cfg=dict(
            checkpoint='https://download.openmmlab.com/mmpose/v1/projects/'
            'rtmposev1/cspnext-s_udp-aic-coco_210e-256x192-92f5a029_20230130.pth'  # noqa
        )),
    head=dict(in_channels=256))
