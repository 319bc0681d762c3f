from keraspp.keras.utils import np_utils  # noqa: F401
from keraspp.keras.utils.np_utils import to_categorical  # noqa: F401
from keraspp.keras.utils.data_utils import Sequence  # noqa: F401
from keraspp.keras.utils.generic_utils import Progbar  # noqa: F401
