"""Differential tests against real TensorFlow / Keras: the programs of
differential_programs.py run under tf.compat.v1 + tf_keras (here) and under
keraspp (a subprocess, so the two runtimes never share a process) give the
same variable names, op names and shapes, and from the same initial weights
the same losses over 10 optimizer steps (within 1e-5) for every Keras
optimizer, every tf.train optimizer and every Keras loss Keras++ has.

Run by scripts/interop_test.sh; needs keraspp importable (it sets PYTHONPATH
to the development build, or the package is installed)."""
import json
import os
import subprocess
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
import differential_programs as programs  # noqa: E402

tf2 = pytest.importorskip("tensorflow")
tf_keras = pytest.importorskip("tf_keras")
tf = tf2.compat.v1
tf.disable_eager_execution()
tf.disable_resource_variables()  # TF 1.1's ref variables: `kernel/read`, not ReadVariableOp

# Ops whose names are not comparable: TF 2.15 builds variable initializers
# from stateless random ops (TF 1.1: RandomUniform), and TF's reduce_mean
# over all axes adds a `Const` of reduction indices that Keras++'s Mean
# keeps as an attribute (TF 1.1 has the Const too; a known difference).
def _comparable_ops(names):
    return [n for n in names if "/Initializer/" not in n and not n.endswith("/Const")]


@pytest.fixture(scope="module")
def keraspp_results(tmp_path_factory):
    out = tmp_path_factory.mktemp("differential") / "keraspp.json"
    env = dict(os.environ, OMP_WAIT_POLICY="passive")
    run = subprocess.run([sys.executable, programs.__file__, str(out)], env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    with open(out) as f:
        return json.load(f)


def _tf_keras_optimizer(cls, kwargs):
    """Keras 2.0's arguments for tf_keras's legacy (Keras 2) optimizers."""
    kwargs["learning_rate"] = kwargs.pop("lr")
    if cls == "Adagrad":
        kwargs["initial_accumulator_value"] = 0.0  # Keras 2.0 starts its accumulators at 0
    return getattr(tf_keras.optimizers.legacy, cls)(**kwargs)


def _tf_results(case):
    tf_keras.backend.clear_session()
    return programs.run_case(case, tf, tf_keras, _tf_keras_optimizer,
                             loss_names={"cosine_proximity": _keras2_cosine_proximity})


def _keras2_cosine_proximity(y_true, y_pred):
    """Keras 2.0's cosine_proximity (the mean over the last axis) in TF ops:
    tf_keras's cosine_similarity sums instead, so it is not the same loss."""
    y_true = tf.nn.l2_normalize(y_true, -1)
    y_pred = tf.nn.l2_normalize(y_pred, -1)
    return -tf.reduce_mean(y_true * y_pred, axis=-1)


@pytest.mark.parametrize("case", list(programs.cases()))
def test_same_names_shapes_and_losses_as_tensorflow(case, keraspp_results):
    expected = _tf_results(case)
    got = keraspp_results[case]
    assert got["names"] == expected["names"]
    assert got["shapes"] == expected["shapes"]
    if "forward_ops" in expected:
        assert _comparable_ops(got["forward_ops"]) == _comparable_ops(expected["forward_ops"])
        assert got["logits_shape"] == expected["logits_shape"]
    else:
        assert got["output_shape"] == expected["output_shape"]
    np.testing.assert_allclose(got["losses"], expected["losses"], rtol=1e-5, atol=1e-6)
    assert expected["losses"][-1] != expected["losses"][0]  # the steps trained something
