"""edu_cnn.metrics: accuracy and the confusion matrix, by hand and on bad input."""
import numpy as np
import pytest

from edu_cnn import metrics


def test_confusion_matrix_by_hand():
    y_true = np.array([0, 0, 1, 2, 2, 2])
    y_pred = np.array([0, 1, 1, 2, 0, 2])
    cm = metrics.confusion_matrix(y_true, y_pred, num_classes=4)
    assert cm.tolist() == [[1, 1, 0, 0], [0, 1, 0, 0], [1, 0, 2, 0], [0, 0, 0, 0]]
    assert np.trace(cm) / cm.sum() == metrics.accuracy(y_true, y_pred) == 4 / 6


def test_viz_keeps_confusion_matrix_for_the_notebooks():
    from edu_cnn import viz
    assert viz.confusion_matrix is metrics.confusion_matrix


@pytest.mark.parametrize("call, kind, match", [
    (lambda: metrics.accuracy(np.array([0, 1]), np.array([0])), ValueError, "same length"),
    (lambda: metrics.accuracy(np.array([0.0, 1.0]), np.array([0, 1])), TypeError,
     r"accuracy\(y_true\) expected integer class ids"),
    (lambda: metrics.accuracy(np.array([], int), np.array([], int)), ValueError, "at least one"),
    (lambda: metrics.confusion_matrix(np.zeros((3, 2), int), np.zeros(3, int)), ValueError,
     r"confusion_matrix\(y_true\) expected class ids of shape \(N,\).*argmax"),
    (lambda: metrics.confusion_matrix(np.array([0, 5]), np.array([0, 1]), num_classes=3),
     ValueError, "outside 0..2"),
])
def test_bad_labels_are_explained(call, kind, match):
    with pytest.raises(kind, match=match):
        call()
