/* mlp_shape.c - the layers of a scorer (mlp_shape.h). */
#include "mlp_shape.h"

#include "names.h"

const char *const activation_names[ACT_KIND_COUNT + 1] = {
    [ACT_RELU] = "relu", [ACT_TANH] = "tanh", [ACT_GELU] = "gelu"};

int activation_parse(const char *name) { return names_find(activation_names, name); }

const char *activation_name(sm_activation a) { return activation_names[a]; }

int mlp_layers(const sm_mlp_shape *s) { return s->n_hidden + 1; }

int64_t mlp_weight_offset(const sm_mlp_shape *s, int l)
{
    int64_t off = 0;
    for (int k = 1; k < l; k++)
        off += ((int64_t)s->width[k - 1] + 1) * s->width[k];
    return off;
}

int64_t mlp_bias_offset(const sm_mlp_shape *s, int l)
{
    return mlp_weight_offset(s, l) + (int64_t)s->width[l - 1] * s->width[l];
}

int64_t mlp_param_count(const sm_mlp_shape *s) { return mlp_weight_offset(s, mlp_layers(s) + 1); }
