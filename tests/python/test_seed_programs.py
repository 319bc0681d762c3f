"""The seed's four programs (examples/python, only their imports changed)
run in a short mode and print what the seed's text shows."""
import os
import re
import subprocess
import sys

import pytest

from conftest import ROOT

EXAMPLES = os.path.join(ROOT, "examples", "python")
SEED = os.path.join(os.path.dirname(ROOT), "shared", "seed", "tensorflow-keras-in-transition.txt")
SEED_CANDIDATES = [SEED, "/work/shared/seed/tensorflow-keras-in-transition.txt",
                   os.path.join(ROOT, "shared", "seed", "tensorflow-keras-in-transition.txt")]
FASHION = "/usr/share/datasets/fashion-mnist"


def run_program(name, replacements=(), epilogue=""):
    """Runs a seed program in a fresh interpreter, short mode by text
    substitution (fewer epochs/steps), and returns its stdout."""
    with open(os.path.join(EXAMPLES, name)) as f:
        src = f.read()
    for old, new in replacements:
        assert old in src, old
        src = src.replace(old, new)
    src += epilogue
    env = dict(os.environ, OMP_WAIT_POLICY="passive")
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    proc = subprocess.run([sys.executable, "-c", src], cwd=EXAMPLES, env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def seed_variable_list():
    path = next(p for p in SEED_CANDIDATES if os.path.exists(p))
    with open(path) as f:
        text = f.read()
    block = text[text.index("'''\nvariables:"):]
    block = block[: block.index("'''", 4)]
    return re.findall(r"<tf\.Variable .*?>", block)


def test_naming_experiment_prints_the_seeds_variable_list():
    out = run_program("naming_experiment.py")
    printed = re.findall(r"<tf\.Variable .*?>", out)
    expected = [
        "<tf.Variable 'mlp_model/my_dense1/kernel:0' shape=(784, 512) dtype=float32_ref>",
        "<tf.Variable 'mlp_by_tflayers/his_dense3/bias:0' shape=(10,) dtype=float32_ref>",
    ]
    assert printed[0] == expected[0] and printed[-1] == expected[1] and len(printed) == 18
    if any(os.path.exists(p) for p in SEED_CANDIDATES):
        assert printed == seed_variable_list()


def test_tf_layers_sharing_reuses_the_variables():
    epilogue = "\nfor v in tf.global_variables():\n    print(v.name)\n"
    out = run_program("tf_layers_sharing.py", epilogue=epilogue).split()
    base = ["mlp1/dense1/kernel:0", "mlp1/dense1/bias:0", "mlp1/dense2/kernel:0",
            "mlp1/dense2/bias:0", "mlp1/dense3/kernel:0", "mlp1/dense3/bias:0"]
    assert out == base + [n.replace(":0", "/Adagrad:0") for n in base]


@pytest.mark.skipif(not os.path.isdir(FASHION), reason="needs dataset-fashion-mnist")
def test_keras_layers_in_tf_graph_short_run():
    out = run_program("keras_layers_in_tf_graph.py",
                      [("range(10001)", "range(101)"), ("i % 1000 == 0", "i % 50 == 0")],
                      "\nfor v in tf.global_variables():\n    print(v)\n")
    assert "55000 train samples\n10000 test samples\n5000 validation samples (not used)\nTraining...\n" in out
    steps = re.findall(r"  step, accurary = +(\d+): +([0-9.]+)", out)
    assert [s for s, _ in steps] == ["0", "50", "100"]
    accuracy = float(re.search(r"Test accuracy: ([0-9.]+)", out).group(1))
    assert accuracy > 0.5
    # The seed's list of the 12 variables (Dense layers under mlp_model, then Adagrad slots).
    assert "<tf.Variable 'mlp_model/dense_1/kernel:0' shape=(784, 512) dtype=float32_ref>" in out
    assert "<tf.Variable 'mlp_model/dense_3/bias/Adagrad:0' shape=(10,) dtype=float32_ref>" in out
    assert len(re.findall(r"<tf\.Variable", out)) == 12


@pytest.mark.skipif(not os.path.isdir(FASHION), reason="needs dataset-fashion-mnist")
def test_mnist_mlp_short_run_prints_keras_summary_and_scores():
    out = run_program("mnist_mlp.py", [("nb_epoch = 20", "nb_epoch = 1")])
    assert "60000 train samples\n10000 test samples\n" in out
    summary_rows = re.findall(r"^(\w+ \(\w+\)) +(\(None, \d+\)) +([\d,]+)", out, re.M)
    assert summary_rows == [
        ("dense_1 (Dense)", "(None, 512)", "401920"), ("activation_1 (Activation)", "(None, 512)", "0"),
        ("dropout_1 (Dropout)", "(None, 512)", "0"), ("dense_2 (Dense)", "(None, 512)", "262656"),
        ("activation_2 (Activation)", "(None, 512)", "0"), ("dropout_2 (Dropout)", "(None, 512)", "0"),
        ("dense_3 (Dense)", "(None, 10)", "5130"), ("activation_3 (Activation)", "(None, 10)", "0")]
    assert "Total params: 669,706" in out
    assert "Train on 60000 samples, validate on 10000 samples\nEpoch 1/1\n" in out
    accuracy = float(re.search(r"Test accuracy: ([0-9.]+)", out).group(1))
    assert accuracy > 0.7
