"""Interoperability with Python Keras 2 (tf_keras): files go both ways.

Run by scripts/interop_test.sh, which creates a virtual environment with
pinned tensorflow-cpu, tf-keras and h5py. The C++ half is the Interop.*
tests of build/tests/test_keras_saving, given the shared folder in
KERASPP_INTEROP_DIR.
"""
import os
import subprocess

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import pytest
import tf_keras as keras

import layer_families

BUILD = os.environ.get("KERASPP_BUILD", os.path.join(os.path.dirname(__file__), "..", "..", "build"))
BINARY = os.path.join(BUILD, "tests", "test_keras_saving")


def run_cpp(test, workdir):
    env = dict(os.environ, KERASPP_INTEROP_DIR=str(workdir), OMP_WAIT_POLICY="passive")
    out = subprocess.run([BINARY, "--gtest_filter=Interop." + test], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "[  PASSED  ] 1 test" in out.stdout, out.stdout


def one_hot(n, classes):
    y = np.zeros((n, classes), np.float32)
    y[np.arange(n), (np.arange(n) * 7) % classes] = 1
    return y


def python_mlp():
    model = keras.Sequential(name="py_mlp")
    model.add(keras.layers.Dense(16, input_shape=(4,)))
    model.add(keras.layers.LeakyReLU(0.2))
    model.add(keras.layers.Dropout(0.3))
    model.add(keras.layers.Dense(8, activation="relu"))
    model.add(keras.layers.PReLU())
    model.add(keras.layers.Dense(3))
    model.add(keras.layers.Activation("softmax"))
    model.compile(optimizer=keras.optimizers.legacy.RMSprop(0.01), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def python_functional():
    a = keras.Input((4,), name="a")
    b = keras.Input((2, 3), name="b")
    h = keras.layers.Dense(6, activation="tanh")(a)
    h = keras.layers.ELU(0.5)(h)
    out1 = keras.layers.Dense(2, activation="softmax", name="out1")(h)
    g = keras.layers.Permute((2, 1))(b)
    g = keras.layers.Flatten()(g)
    g = keras.layers.Dense(4)(g)
    g = keras.layers.ThresholdedReLU(0.1)(g)
    g = keras.layers.Reshape((2, 2))(g)
    g = keras.layers.Flatten()(g)
    g = keras.layers.RepeatVector(2)(g)
    g = keras.layers.Flatten()(g)
    out2 = keras.layers.Dense(1, name="out2")(g)
    model = keras.Model([a, b], [out1, out2], name="py_func")
    model.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9), loss=["categorical_crossentropy", "mse"],
                  loss_weights=[1.0, 0.5])
    return model


def test_keraspp_loads_python_models(tmp_path):
    rng = np.random.RandomState(3)
    keras.utils.set_random_seed(3)
    mlp = python_mlp()
    x = rng.uniform(-1, 1, (32, 4)).astype(np.float32)
    y = one_hot(32, 3)
    mlp.fit(x, y, epochs=3, batch_size=8, verbose=0)
    mlp.save(tmp_path / "py_mlp.h5")
    np.save(tmp_path / "py_mlp_x0.npy", x)
    np.save(tmp_path / "py_mlp_y0.npy", y)

    func = python_functional()
    xa = rng.uniform(-1, 1, (16, 4)).astype(np.float32)
    xb = rng.uniform(-1, 1, (16, 2, 3)).astype(np.float32)
    ya = one_hot(16, 2)
    yb = rng.uniform(-1, 1, (16, 1)).astype(np.float32)
    func.fit([xa, xb], [ya, yb], epochs=3, batch_size=4, verbose=0)
    func.save(tmp_path / "py_func.h5")
    for i, arr in enumerate([xa, xb]):
        np.save(tmp_path / f"py_func_x{i}.npy", arr)
    for i, arr in enumerate([ya, yb]):
        np.save(tmp_path / f"py_func_y{i}.npy", arr)

    # Every later layer family (layer_families.py).
    family_models = {}
    for stem, model, xs, ys in layer_families.all_families(keras, "py_", keras3=False):
        model.fit(xs, ys, epochs=2, batch_size=4, verbose=0)
        model.save(tmp_path / f"{stem}.h5")
        layer_families.save_inputs(tmp_path, stem, xs, ys)
        family_models[stem] = (model, xs, ys)

    run_cpp("LoadsPythonModels", tmp_path)

    for stem, (model, xs, ys) in family_models.items():
        shortfall = layer_families.tf_keras_activity_shortfall(keras, model, xs)
        layer_families.check_cpp_results(tmp_path, stem, model, xs, ys, extra_loss=shortfall)

    np.testing.assert_allclose(np.load(tmp_path / "py_mlp_cpp_pred0.npy"), mlp.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.load(tmp_path / "py_mlp_cpp_eval.npy")[0], mlp.evaluate(x, y, verbose=0)[0],
                               rtol=1e-5)
    py = func.predict([xa, xb], verbose=0)
    for i in range(2):
        np.testing.assert_allclose(np.load(tmp_path / f"py_func_cpp_pred{i}.npy"), py[i], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.load(tmp_path / "py_func_cpp_eval.npy")[0],
                               func.evaluate([xa, xb], [ya, yb], verbose=0)[0], rtol=1e-5)


def test_keraspp_continues_python_training(tmp_path):
    keras.utils.set_random_seed(5)
    model = keras.Sequential([keras.layers.Dense(8, activation="tanh", input_shape=(4,)),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(0.01, epsilon=1e-8), loss="categorical_crossentropy")
    x = np.random.RandomState(5).uniform(-1, 1, (32, 4)).astype(np.float32)
    y = one_hot(32, 3)
    for _ in range(4):
        model.train_on_batch(x, y)
    model.save(tmp_path / "py_adam.h5")
    np.save(tmp_path / "py_adam_train_x.npy", x)
    np.save(tmp_path / "py_adam_train_y.npy", y)
    np.save(tmp_path / "py_adam_next_losses.npy",
            np.array([model.train_on_batch(x, y), model.train_on_batch(x, y)], np.float32))
    run_cpp("ContinuesPythonTraining", tmp_path)


def test_python_loads_keraspp_model_and_continues_training(tmp_path):
    run_cpp("WritesKerasppModels", tmp_path)
    model = keras.models.load_model(tmp_path / "cpp_mlp.h5")
    x = np.load(tmp_path / "cpp_mlp_x.npy")
    y = np.load(tmp_path / "cpp_mlp_y.npy")
    np.testing.assert_allclose(model.predict(x, verbose=0), np.load(tmp_path / "cpp_mlp_pred.npy"),
                               rtol=1e-5, atol=1e-6)
    # The saved Adam state: the two next steps' losses are Keras++'s (each
    # loss is computed before its step's update, so the second one depends
    # on the restored moments and iteration count).
    expected = np.load(tmp_path / "cpp_mlp_next_losses.npy")
    for i in range(2):
        loss = model.train_on_batch(x, y)
        loss = loss[0] if isinstance(loss, list) else loss
        np.testing.assert_allclose(loss, expected[i], rtol=1e-5)
    assert int(model.optimizer.iterations.numpy()) == 7

    func = keras.models.load_model(tmp_path / "cpp_func.h5")
    py = func.predict([np.load(tmp_path / "cpp_func_xa.npy"), np.load(tmp_path / "cpp_func_xb.npy")], verbose=0)
    for i in range(2):
        np.testing.assert_allclose(py[i], np.load(tmp_path / f"cpp_func_pred{i}.npy"), rtol=1e-5, atol=1e-6)


def test_python_loads_keraspp_layer_families(tmp_path):
    run_cpp("WritesKerasppLayerFamilies", tmp_path)
    # recurrent_hard: Keras++'s default recurrent activation, Keras 2's hard_sigmoid.
    for stem in layer_families.STEMS + ["recurrent_hard"]:
        model = keras.models.load_model(tmp_path / f"cpp_{stem}.h5")
        layer_families.check_keraspp_predictions(tmp_path, f"cpp_{stem}", model)
