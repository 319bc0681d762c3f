"""Small programs written once and run twice: under real TensorFlow
(tf.compat.v1 graph mode + tf_keras) and under Keras++ (keraspp), each given
its own `tf` and `keras` modules. From the same initial weights and batches
they record variable names, op names, shapes and the losses of 10 optimizer
steps, which tests/interop/test_differential.py compares.

    python differential_programs.py OUT.npz   # runs every case under keraspp

The optimizers are written as (Keras 2.0 name, Keras 2.0 arguments); each
side maps them to its own constructor (tf_keras takes learning_rate= and its
legacy optimizers are Keras 2's)."""
import json
import sys

import numpy as np

STEPS = 10
N, D_IN, D_HID, D_OUT = 16, 5, 7, 3

# Keras 2.0 optimizers and arguments (epsilons given, since tf_keras's defaults differ).
KERAS_OPTIMIZERS = {
    "SGD": ("SGD", {"lr": 0.1}),
    "SGD_momentum": ("SGD", {"lr": 0.05, "momentum": 0.9}),
    "SGD_nesterov": ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    "RMSprop": ("RMSprop", {"lr": 0.01, "rho": 0.9, "epsilon": 1e-10}),
    "Adagrad": ("Adagrad", {"lr": 0.1, "epsilon": 1e-8}),
    "Adadelta": ("Adadelta", {"lr": 1.0, "rho": 0.95, "epsilon": 1e-8}),
    "Adam": ("Adam", {"lr": 0.01, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-8}),
    "Adamax": ("Adamax", {"lr": 0.02, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-8}),
    "Nadam": ("Nadam", {"lr": 0.002, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-8,
                        "schedule_decay": 0.004}),
}

# tf.train optimizers (TF 1.x names and arguments, the same on both sides).
TF_OPTIMIZERS = {
    "GradientDescent": ("GradientDescentOptimizer", {"learning_rate": 0.1}),
    "Momentum": ("MomentumOptimizer", {"learning_rate": 0.05, "momentum": 0.9}),
    "Momentum_nesterov": ("MomentumOptimizer", {"learning_rate": 0.05, "momentum": 0.9,
                                                "use_nesterov": True}),
    "Adagrad": ("AdagradOptimizer", {"learning_rate": 0.1}),
    "Adam": ("AdamOptimizer", {"learning_rate": 0.01}),
    "RMSProp": ("RMSPropOptimizer", {"learning_rate": 0.01}),
    "Adadelta": ("AdadeltaOptimizer", {"learning_rate": 1.0}),
}

# Every Keras loss Keras++ has: (output activation, kind of targets).
KERAS_LOSSES = {
    "mean_squared_error": ("linear", "real"),
    "mean_absolute_error": ("linear", "real"),
    "mean_absolute_percentage_error": ("linear", "away_from_zero"),
    "mean_squared_logarithmic_error": ("softplus", "positive"),
    "squared_hinge": ("tanh", "plus_minus_one"),
    "hinge": ("tanh", "plus_minus_one"),
    "categorical_crossentropy": ("softmax", "one_hot"),
    "sparse_categorical_crossentropy": ("softmax", "class_index"),
    "binary_crossentropy": ("sigmoid", "zero_one"),
    "kullback_leibler_divergence": ("softmax", "distribution"),
    "poisson": ("softplus", "positive"),
    "cosine_proximity": ("linear", "real"),
}


def initial_weights():
    rng = np.random.RandomState(7)
    return [(rng.randn(D_IN, D_HID) * 0.5).astype(np.float32), (rng.randn(D_HID) * 0.1).astype(np.float32),
            (rng.randn(D_HID, D_OUT) * 0.5).astype(np.float32), (rng.randn(D_OUT) * 0.1).astype(np.float32)]


def batches(kind="one_hot"):
    """STEPS batches of (x, y); targets of the kind a loss needs."""
    rng = np.random.RandomState(11)
    out = []
    for _ in range(STEPS):
        x = rng.randn(N, D_IN).astype(np.float32)
        labels = rng.randint(0, D_OUT, size=N)
        y = {
            "real": lambda: rng.randn(N, D_OUT),
            "away_from_zero": lambda: rng.uniform(0.5, 2.0, (N, D_OUT)) * rng.choice([-1, 1], (N, D_OUT)),
            "positive": lambda: rng.uniform(0.1, 3.0, (N, D_OUT)),
            "plus_minus_one": lambda: rng.choice([-1.0, 1.0], (N, D_OUT)),
            "one_hot": lambda: np.eye(D_OUT)[labels],
            "class_index": lambda: labels.reshape(N, 1),
            "zero_one": lambda: rng.randint(0, 2, (N, D_OUT)),
            "distribution": lambda: rng.dirichlet(np.ones(D_OUT), N),
        }[kind]()
        out.append((x, y.astype(np.int32 if kind == "class_index" else np.float32)))
    return out


# ---- the programs (the same source for both sides) -----------------------------------

def keras_program(keras, optimizer, loss, activation, kind):
    """Sequential MLP, compiled with `optimizer` and `loss`, 10 train_on_batch steps."""
    model = keras.models.Sequential()
    model.add(keras.layers.Dense(D_HID, activation="tanh", input_shape=(D_IN,), name="hidden"))
    model.add(keras.layers.Dense(D_OUT, activation=activation, name="out"))
    model.compile(optimizer=optimizer, loss=loss)
    model.set_weights(initial_weights())
    names = [w.name for w in model.weights]
    shapes = [list(w.get_shape().as_list()) for w in model.weights]
    losses = [float(np.asarray(model.train_on_batch(x, y)).reshape(-1)[0]) for x, y in batches(kind)]
    return {"names": names, "shapes": shapes, "losses": losses,
            "output_shape": list(model.output_shape)}


def tf_program(tf, make_optimizer):
    """tf.layers MLP under a variable scope, softmax cross-entropy, 10 minimize steps."""
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [None, D_IN], name="x")
        y = tf.placeholder(tf.float32, [None, D_OUT], name="y")
        with tf.variable_scope("mlp"):
            h = tf.layers.dense(x, D_HID, activation=tf.nn.relu, name="fc1")
            logits = tf.layers.dense(h, D_OUT, name="fc2")
        with tf.name_scope("loss"):
            loss = tf.reduce_mean(tf.square(tf.nn.softmax(logits) - y))
        forward_ops = [op.name for op in graph.get_operations()]
        train_op = make_optimizer().minimize(loss)
        names = [v.name for v in tf.global_variables()]
        shapes = [v.get_shape().as_list() for v in tf.global_variables()]
        trainable = tf.trainable_variables()
        with tf.Session(graph=graph) as sess:
            sess.run(tf.global_variables_initializer())
            for v, w in zip(trainable, initial_weights()):
                sess.run(v.assign(w))
            losses = []
            for bx, by in batches("one_hot"):
                value, _ = sess.run([loss, train_op], {x: bx, y: by})
                losses.append(float(value))
        return {"names": names, "shapes": shapes, "losses": losses, "forward_ops": forward_ops,
                "logits_shape": logits.get_shape().as_list()}


# ---- the cases ---------------------------------------------------------------------------

def cases():
    """name -> (kind, arguments); the loss cases all train with SGD."""
    out = {}
    for name in KERAS_OPTIMIZERS:
        out["keras_optimizer/" + name] = ("keras", name, "categorical_crossentropy")
    for loss in KERAS_LOSSES:
        out["keras_loss/" + loss] = ("keras", "SGD", loss)
    for name in TF_OPTIMIZERS:
        out["tf_optimizer/" + name] = ("tf", name, None)
    return out


def run_case(case, tf, keras, make_keras_optimizer, loss_names=None):
    """loss_names: this side's name for a Keras 2.0 loss where it differs."""
    kind, opt_name, loss = cases()[case]
    if kind == "tf":
        cls, kwargs = TF_OPTIMIZERS[opt_name]
        return tf_program(tf, lambda: getattr(tf.train, cls)(**kwargs))
    cls, kwargs = KERAS_OPTIMIZERS[opt_name]
    activation, targets = KERAS_LOSSES[loss]
    loss_name = (loss_names or {}).get(loss, loss)
    return keras_program(keras, make_keras_optimizer(cls, dict(kwargs)), loss_name, activation, targets)


def keraspp_results():
    import keraspp.tensorflow as tf
    from keraspp import keras
    from keraspp.keras import backend as K

    def make(cls, kwargs):
        return getattr(keras.optimizers, cls)(**kwargs)

    results = {}
    for case in cases():
        K.clear_session()
        results[case] = run_case(case, tf, keras, make)
    return results


if __name__ == "__main__":
    with open(sys.argv[1], "w") as f:
        json.dump(keraspp_results(), f)
