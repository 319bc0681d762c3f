"""tensorflow.examples.tutorials.mnist.input_data over the C++ IDX reader.

TF downloads MNIST into train_dir; nothing is downloaded here: when train_dir
lacks the four IDX files, Debian's Fashion-MNIST (same format and sizes) is
read instead and a note goes to stderr.
"""
import os
import sys

from keraspp._core import input_data as _impl

DataSet = _impl.DataSet
Datasets = _impl.Datasets
FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"
_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
          "t10k-labels-idx1-ubyte")


def _has_idx_files(d):
    return all(os.path.exists(os.path.join(d, f)) or os.path.exists(os.path.join(d, f + ".gz"))
               for f in _FILES)


def read_data_sets(train_dir, fake_data=False, one_hot=False, dtype=None, reshape=True,
                   validation_size=5000, seed=None):
    if fake_data:
        raise NotImplementedError("read_data_sets: fake_data is not supported")
    if not _has_idx_files(train_dir) and _has_idx_files(FASHION_MNIST_DIR):
        print("keraspp: no MNIST IDX files in %r (nothing is downloaded): using Fashion-MNIST from %s"
              % (train_dir, FASHION_MNIST_DIR), file=sys.stderr)
        train_dir = FASHION_MNIST_DIR
    return _impl.read_data_sets(train_dir, one_hot=one_hot, dtype=dtype, reshape=reshape,
                                validation_size=validation_size, seed=seed)
