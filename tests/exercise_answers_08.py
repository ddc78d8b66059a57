"""Notebook 08's answers for the exercise tests (imported by exercise_answers.py): the solution,
typical mistakes and hard-coded answers, as a student would write them."""
import numpy as np


def grad_cam(maps, grads, weights="mean", relu=True, pixelwise=False, scale=1.0):
    if pixelwise:
        cam = (grads * maps).sum(axis=0)
    else:
        alpha = {"mean": grads.mean(axis=(1, 2)), "sum": grads.sum(axis=(1, 2)),
                 "maps": maps.mean(axis=(1, 2))}[weights]
        cam = np.zeros(maps.shape[1:])
        for k in range(len(maps)):
            cam += alpha[k] * maps[k]
    cam = np.maximum(cam, 0) if relu == "relu" or relu is True else (
        np.abs(cam) if relu == "abs" else cam)
    return cam * scale


def fgsm_step(x, grad, epsilon, lo=0.0, clip=True, direction=np.sign, sign=1):
    x_adv = x + sign * epsilon * direction(grad)
    return np.clip(x_adv, lo, 1.0) if clip else x_adv


SOLUTIONS_08 = {
    "08.1": grad_cam,
    "08.2": fgsm_step,
}

MISTAKES_08 = {
    "08.1": [(lambda A, g: grad_cam(A, g, relu=False), "no_relu"),
             (lambda A, g: grad_cam(A, g, weights="sum"), "sum_not_mean"),
             (lambda A, g: grad_cam(A, g, pixelwise=True), "gradient_times_activation"),
             (lambda A, g: grad_cam(A, g, relu="abs"), "abs_not_relu"),
             (lambda A, g: grad_cam(A, g, weights="maps"), "weights_from_maps"),
             (lambda A, g: grad_cam(A, g) / max(grad_cam(A, g).max(), 1e-300), "normalised"),
             (lambda A, g: grad_cam(A, g, scale=1 / len(A)), "mean_over_channels")],
    "08.2": [(lambda x, g, e: fgsm_step(x, g, e, clip=False), "no_clip"),
             (lambda x, g, e: fgsm_step(x, g, e, direction=lambda v: v), "raw_gradient"),
             (lambda x, g, e: fgsm_step(x, g, e, sign=-1), "descent"),
             (lambda x, g, e: fgsm_step(x, g, e, lo=-1.0), "clip_to_minus_one"),
             (lambda x, g, e: fgsm_step(x, g, e, direction=lambda v: v / np.abs(v).max()),
              "normalised_gradient"),
             (lambda x, g, e: fgsm_step(x, g, e, direction=lambda v: np.where(v >= 0, 1, -1)),
              "zero_gradient_moves")],
}

HARD_CODED_08 = {
    "08.1": lambda A, g: np.zeros((5, 5)),
    "08.2": lambda x, g, e: np.clip(x + 0.1 * np.sign(g), 0, 1),
}
