// Keras++ np:: — host n-d arrays (numpy's role in the seed's programs).
#pragma once
#include "keraspp/np/array.h"
#include "keraspp/np/npy.h"
#include "keraspp/np/random.h"
