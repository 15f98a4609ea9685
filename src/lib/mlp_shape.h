/* mlp_shape.h - the layers of a scorer: how many, how wide, their
 * activation, and where each layer's weights and biases sit in the flat
 * parameter array that a saved model keeps (mlp.h's layout). A linear scorer
 * is the shape without hidden layers (scorer_config_complete).
 *
 * Shapes: width[0] = input dimension, width[1 .. n_hidden] the hidden layers,
 * width[n_hidden + 1] = K >= 1 outputs. Layer l's W_l (width[l-1] x width[l],
 * input-major) comes first, then b_l.
 */
#ifndef SM_MLP_SHAPE_H
#define SM_MLP_SHAPE_H

#include <stdint.h>

#define MLP_MAX_HIDDEN 3
#define MLP_MAX_WIDTH 1024

typedef enum { ACT_RELU = 0, ACT_TANH, ACT_GELU, ACT_KIND_COUNT } sm_activation;

/* Names indexed by sm_activation, NULL-terminated (names.h). */
extern const char *const activation_names[ACT_KIND_COUNT + 1];
int activation_parse(const char *name); /* -1 when unknown */
const char *activation_name(sm_activation a);

typedef struct {
    int n_hidden;                          /* 1 .. MLP_MAX_HIDDEN */
    int32_t width[MLP_MAX_HIDDEN + 2];     /* see above */
    sm_activation act;
} sm_mlp_shape;

/* Number of weight layers (n_hidden + 1). */
int mlp_layers(const sm_mlp_shape *s);
int64_t mlp_param_count(const sm_mlp_shape *s);
/* Offsets of W_l and b_l (l = 1 .. mlp_layers) in the flat parameter array. */
int64_t mlp_weight_offset(const sm_mlp_shape *s, int l);
int64_t mlp_bias_offset(const sm_mlp_shape *s, int l);

#endif
