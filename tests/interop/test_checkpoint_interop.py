"""TF 1.x checkpoints both ways with real TensorFlow.

Keras++ writes a V2 checkpoint that tf.train.load_checkpoint,
tf.train.latest_checkpoint and tf.compat.v1.train.Saver read; TensorFlow's
Saver writes one that Keras++'s Saver restores. The C++ half is the
CheckpointInterop.* tests of build/tests/test_train.
"""
import os
import subprocess

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import tensorflow as tf

BUILD = os.environ.get("KERASPP_BUILD", os.path.join(os.path.dirname(__file__), "..", "..", "build"))
BINARY = os.path.join(BUILD, "tests", "test_train")
NAMES = ["dense/kernel", "dense/bias", "global_step", "counts", "pixels", "flags", "empty"]


def run_cpp(test, workdir):
    env = dict(os.environ, KERASPP_INTEROP_DIR=str(workdir), OMP_WAIT_POLICY="passive")
    out = subprocess.run([BINARY, "--gtest_filter=CheckpointInterop." + test], env=env, capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "[  PASSED  ] 1 test" in out.stdout, out.stdout


def npy(folder, name):
    return os.path.join(folder, name.replace("/", "_") + ".npy")


def test_tensorflow_reads_keraspp_checkpoints(tmp_path):
    run_cpp("WritesACheckpoint", tmp_path)
    folder = str(tmp_path / "cpp")
    prefix = tf.train.latest_checkpoint(folder)
    assert prefix == os.path.join(folder, "model.ckpt-5")
    reader = tf.train.load_checkpoint(prefix)
    for name in NAMES:
        expected = np.load(npy(folder, name))
        got = reader.get_tensor(name)
        assert got.dtype == expected.dtype and got.shape == expected.shape, name
        assert np.array_equal(got, expected), name
    # TF 1.x's Saver restores it into a graph's variables.
    with tf.Graph().as_default():
        variables = {name: tf.compat.v1.Variable(np.zeros_like(np.load(npy(folder, name))), name=name)
                     for name in NAMES}
        saver = tf.compat.v1.train.Saver(variables)
        with tf.compat.v1.Session() as sess:
            saver.restore(sess, prefix)
            for name, v in variables.items():
                assert np.array_equal(sess.run(v), np.load(npy(folder, name))), name


def test_keraspp_restores_tensorflow_checkpoints(tmp_path):
    run_cpp("WritesACheckpoint", tmp_path)  # the same names and dtypes
    cpp, py = str(tmp_path / "cpp"), tmp_path / "py"
    py.mkdir()
    rng = np.random.RandomState(5)
    with tf.Graph().as_default():
        variables = {}
        for name in NAMES:
            like = np.load(npy(cpp, name))
            if like.dtype == np.bool_:
                value = rng.uniform(size=like.shape) > 0.5
            elif like.dtype.kind in "iu":
                value = rng.randint(0, 100, like.shape).astype(like.dtype)
            else:
                value = rng.normal(size=like.shape).astype(like.dtype)
            np.save(npy(str(py), name), value)
            variables[name] = tf.compat.v1.Variable(value, name=name)
        variables["python_only"] = tf.compat.v1.Variable(np.ones(2, np.float32), name="python_only")
        saver = tf.compat.v1.train.Saver(variables)
        with tf.compat.v1.Session() as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            assert saver.save(sess, str(py / "model.ckpt"), global_step=3).endswith("model.ckpt-3")
    run_cpp("RestoresTensorflowsCheckpoint", tmp_path)
