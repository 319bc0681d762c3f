from keraspp.keras.datasets import mnist, fashion_mnist  # noqa: F401
