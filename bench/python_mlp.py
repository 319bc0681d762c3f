"""The seed's MLP fit epoch from Python (keraspp), the twin of
bench_keras_mlp (C++): 784-512-512-10, relu, Dropout 0.2, softmax,
Fashion-MNIST 60k, batch 128, Adagrad, each epoch's data permuted before the
clock starts (as the C++ side does), fit(epochs=1, shuffle=False) timed.
bench/run.sh compares the two epoch times (target: Python within 3%).

    python bench/python_mlp.py [--epochs E] [--data DIR] [--samples N]

(--samples N trains on the first N samples only: a quick check that it runs.)

Prints one `RESULT lib=keraspp_python ...` line at the end for scripts."""
import argparse
import gzip
import time

import numpy as np

from keraspp.keras.layers import Activation, Dense, Dropout
from keraspp.keras.models import Sequential
from keraspp.keras.optimizers import Adagrad
from keraspp.keras.utils import np_utils


def read_idx_gz(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--samples", type=int, default=0)
    args = parser.parse_args()
    x = (read_idx_gz(args.data + "/train-images-idx3-ubyte.gz").reshape(-1, 784) / 255.0).astype(np.float32)
    y = np_utils.to_categorical(read_idx_gz(args.data + "/train-labels-idx1-ubyte.gz"), 10)
    if args.samples:
        x, y = x[:args.samples], y[:args.samples]

    model = Sequential()
    model.add(Dense(512, input_dim=784))
    model.add(Activation("relu"))
    model.add(Dropout(0.2))
    model.add(Dense(512))
    model.add(Activation("relu"))
    model.add(Dropout(0.2))
    model.add(Dense(10))
    model.add(Activation("softmax"))
    model.compile(optimizer=Adagrad(), loss="categorical_crossentropy", metrics=["accuracy"])

    per_epoch, loss = [], float("nan")
    for e in range(args.epochs):
        perm = np.random.RandomState(1000 + e).permutation(len(x))
        xe, ye = np.ascontiguousarray(x[perm]), np.ascontiguousarray(y[perm])
        t0 = time.perf_counter()
        hist = model.fit(xe, ye, batch_size=128, epochs=1, verbose=0, shuffle=False)
        per_epoch.append(time.perf_counter() - t0)
        loss = hist.history["loss"][-1]
        print("epoch %d: %.3f s, loss %.4f" % (e + 1, per_epoch[-1], loss))
    steady = per_epoch[1:] if len(per_epoch) > 1 else per_epoch
    print("RESULT lib=keraspp_python epochs=%d epoch_s_median=%.3f loss=%.4f"
          % (args.epochs, float(np.median(steady)), loss))


if __name__ == "__main__":
    main()
