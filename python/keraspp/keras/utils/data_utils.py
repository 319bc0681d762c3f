"""keras.utils.Sequence (keras/utils/data_utils.py): a dataset of batches
indexed by position, which fit_generator walks in order (shuffled per epoch
when shuffle=True) and knows the length of."""


class Sequence:
    """Subclass and define __getitem__(index) -> (x, y) or (x, y, sample_weight)
    and __len__() -> the number of batches."""

    def __getitem__(self, index):
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError

    def on_epoch_end(self):
        """Called after each epoch (e.g. to reshuffle the samples)."""
