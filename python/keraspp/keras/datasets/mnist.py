"""keras.datasets.mnist. Keras downloads mnist.npz; nothing is downloaded
here: without mnist.npz in the Keras cache, Debian's Fashion-MNIST (same
shapes and dtypes) is loaded and a note goes to stderr."""
import sys

from keraspp._core.keras import mnist_load_data, fashion_mnist_load_data


def load_data(path="mnist.npz"):
    try:
        return mnist_load_data(path)
    except OSError:
        print("keraspp: mnist.npz not found in the Keras cache (nothing is downloaded): "
              "using Fashion-MNIST", file=sys.stderr)
        return fashion_mnist_load_data()
