"""Interoperability with Python Keras 3 (keras): .keras archives both ways.

Run by scripts/interop_test.sh beside test_interop.py (tf_keras and .h5).
Keras 3 builds, trains and saves .keras files that Keras++ loads (the same
predictions and evaluate loss, and training continuing with the same
losses); Keras 3 loads the .keras files Keras++ writes, predicts the same
and continues training from the saved Adam state. The C++ half is the
Interop.* tests of build/tests/test_keras_saving.
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np

import layer_families
from test_interop import run_cpp

assert keras.__version__.startswith("3."), keras.__version__


def step_loss(model, x, y):
    """One training step's loss (computed before its update). Keras 3's
    train_on_batch reports the running mean since the last reset_metrics."""
    model.reset_metrics()
    loss = model.train_on_batch(x, y)
    return loss[0] if isinstance(loss, list) else loss


def mlp(name):
    """Dense, the advanced activations Keras 3 has, Dropout, the reshaping layers."""
    L = keras.layers
    a = keras.Input((4,), name="a")
    b = keras.Input((2, 3), name="b")
    h = L.Dense(6, activation="tanh")(a)
    h = L.LeakyReLU(0.2)(h)
    h = L.Dropout(0.3)(L.PReLU()(L.Dense(5)(h)))
    out1 = L.Dense(2, name="out1")(L.ELU(0.5)(h))
    out1 = L.Activation("softmax")(out1)
    g = L.Flatten()(L.Permute((2, 1))(b))
    g = L.Reshape((2, 3))(L.Dense(6)(g))
    g = L.Flatten()(L.RepeatVector(2)(L.Flatten()(g)))
    out2 = L.Dense(1, name="out2")(g)
    model = keras.Model([a, b], [out1, out2], name=name)
    model.compile(optimizer=keras.optimizers.RMSprop(0.01), loss=["categorical_crossentropy", "mse"],
                  loss_weights=[1.0, 0.5])
    return model


def mlp_data(rng):
    return ([rng.uniform(-1, 1, (16, 4)).astype(np.float32), rng.uniform(-1, 1, (16, 2, 3)).astype(np.float32)],
            [layer_families.one_hot(16, 2), rng.uniform(-1, 1, (16, 1)).astype(np.float32)])


def test_keraspp_loads_keras3_models(tmp_path):
    keras.utils.set_random_seed(3)
    rng = np.random.RandomState(3)
    models = {}
    families = [("k3_mlp", mlp("k3_mlp"), *mlp_data(rng))] + layer_families.all_families(keras, "k3_", keras3=True)
    for stem, model, xs, ys in families:
        model.fit(xs, ys, epochs=2, batch_size=4, verbose=0)
        model.save(tmp_path / f"{stem}.keras")
        model.save_weights(tmp_path / f"{stem}.weights.h5")
        layer_families.save_inputs(tmp_path, stem, xs, ys)
        models[stem] = (model, xs, ys)

    run_cpp("LoadsPythonModels", tmp_path)

    for stem, (model, xs, ys) in models.items():
        layer_families.check_cpp_results(tmp_path, stem, model, xs, ys)


def test_keraspp_continues_keras3_training(tmp_path):
    keras.utils.set_random_seed(5)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="tanh"),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(0.01, epsilon=1e-8), loss="categorical_crossentropy")
    x = np.random.RandomState(5).uniform(-1, 1, (32, 4)).astype(np.float32)
    y = layer_families.one_hot(32, 3)
    for _ in range(4):
        model.train_on_batch(x, y)
    model.save(tmp_path / "k3_adam.keras")
    np.save(tmp_path / "k3_adam_train_x.npy", x)
    np.save(tmp_path / "k3_adam_train_y.npy", y)
    np.save(tmp_path / "k3_adam_next_losses.npy", np.array([step_loss(model, x, y) for _ in range(2)], np.float32))
    run_cpp("ContinuesPythonTraining", tmp_path)


def test_keras3_loads_keraspp_models_and_continues_training(tmp_path):
    run_cpp("WritesKerasppModels", tmp_path)
    model = keras.models.load_model(tmp_path / "cpp_mlp.keras")
    x = np.load(tmp_path / "cpp_mlp_x.npy")
    y = np.load(tmp_path / "cpp_mlp_y.npy")
    np.testing.assert_allclose(model.predict(x, verbose=0), np.load(tmp_path / "cpp_mlp_pred.npy"),
                               rtol=1e-5, atol=1e-6)
    # The saved Adam state: the next two steps' losses are Keras++'s.
    expected = np.load(tmp_path / "cpp_mlp_next_losses.npy")
    for i in range(2):
        np.testing.assert_allclose(step_loss(model, x, y), expected[i], rtol=1e-5)
    assert int(model.optimizer.iterations.numpy()) == 7

    # Dropout, LeakyReLU, ELU, ThresholdedReLU (Keras 3's ReLU with a
    # threshold), Permute, Reshape, RepeatVector.
    func = keras.models.load_model(tmp_path / "cpp_func.keras")
    py = func.predict([np.load(tmp_path / "cpp_func_xa.npy"), np.load(tmp_path / "cpp_func_xb.npy")], verbose=0)
    for i in range(2):
        np.testing.assert_allclose(py[i], np.load(tmp_path / f"cpp_func_pred{i}.npy"), rtol=1e-5, atol=1e-6)

    run_cpp("WritesKerasppLayerFamilies", tmp_path)
    for stem in layer_families.STEMS:
        model = keras.models.load_model(tmp_path / f"cpp_{stem}.keras")
        layer_families.check_keraspp_predictions(tmp_path, f"cpp_{stem}", model)


# Every optimizer whose state Keras++ reads and writes in .keras files (Keras
# 3's variables: iteration, learning_rate, Nadam's u_product, the slots).
OPTIMIZERS = {"sgd": lambda: keras.optimizers.SGD(0.05, momentum=0.9),
              "rmsprop": lambda: keras.optimizers.RMSprop(0.01, epsilon=1e-8),
              "adagrad": lambda: keras.optimizers.Adagrad(0.05, epsilon=1e-8),
              "adadelta": lambda: keras.optimizers.Adadelta(1.0, epsilon=1e-8),
              "adam": lambda: keras.optimizers.Adam(0.01, epsilon=1e-8),
              "adamax": lambda: keras.optimizers.Adamax(0.01, epsilon=1e-8),
              "nadam": lambda: keras.optimizers.Nadam(0.01, epsilon=1e-8)}


def test_optimizer_states_cross_both_ways(tmp_path):
    # Keras 3 -> Keras++: three steps in Keras 3, the next two in both.
    x = np.random.RandomState(9).uniform(-1, 1, (16, 4)).astype(np.float32)
    y = layer_families.one_hot(16, 3)
    for name, make in OPTIMIZERS.items():
        keras.utils.set_random_seed(9)
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="tanh"),
                                  keras.layers.Dense(3, activation="softmax")], name=f"k3_opt_{name}")
        model.compile(optimizer=make(), loss="categorical_crossentropy")
        for _ in range(3):
            model.train_on_batch(x, y)
        model.save(tmp_path / f"k3_opt_{name}.keras")
        np.save(tmp_path / f"k3_opt_{name}_train_x.npy", x)
        np.save(tmp_path / f"k3_opt_{name}_train_y.npy", y)
        np.save(tmp_path / f"k3_opt_{name}_next_losses.npy",
                np.array([step_loss(model, x, y) for _ in range(2)], np.float32))
    run_cpp("ContinuesPythonTraining", tmp_path)

    # Keras++ -> Keras 3.
    run_cpp("WritesKerasppOptimizerStates", tmp_path)
    for name in OPTIMIZERS:
        model = keras.models.load_model(tmp_path / f"cpp_opt_{name}.keras")
        assert type(model.optimizer).__name__.lower() == name, name
        xs, ys = np.load(tmp_path / f"cpp_opt_{name}_x.npy"), np.load(tmp_path / f"cpp_opt_{name}_y.npy")
        expected = np.load(tmp_path / f"cpp_opt_{name}_next_losses.npy")
        got = [step_loss(model, xs, ys) for _ in range(2)]
        np.testing.assert_allclose(got, expected, rtol=1e-5, err_msg=name)
        # Keras 2.0's SGD, RMSprop, Adagrad and Adadelta count iterations only with decay.
        if name in ("adam", "adamax", "nadam"):
            assert int(model.optimizer.iterations.numpy()) == 5, name


def test_keras3_reads_keraspp_save_weights_files(tmp_path):
    """model.save_weights("x.weights.h5") in Keras 3's layout: Keras 3's
    load_weights reads it into a fresh copy of the model."""
    run_cpp("WritesKerasppLayerFamilies", tmp_path)
    for stem in layer_families.STEMS:
        model = keras.models.load_model(tmp_path / f"cpp_{stem}.keras")
        fresh = keras.models.clone_model(model)
        fresh.load_weights(tmp_path / f"cpp_{stem}.weights.h5")
        layer_families.check_keraspp_predictions(tmp_path, f"cpp_{stem}", fresh)
