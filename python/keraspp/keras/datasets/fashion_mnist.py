from keraspp._core.keras import fashion_mnist_load_data as load_data  # noqa: F401
