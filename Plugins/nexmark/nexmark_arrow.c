/*
 * nexmark_arrow.c — Nexmark events as an Arrow struct array (see
 * nexmark_arrow.h for the schema).
 *
 * Every array of a batch lives in one block, freed when the last of the
 * arrays is released (the host may move a child away and release it
 * later, on another thread, hence the atomic count). A struct's validity
 * bitmap is shared by its fields, so a field of an absent record reads
 * null, not a zero.
 */
#include "nexmark_arrow.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* The schema                                                               */
/* ------------------------------------------------------------------------ */

typedef enum nx_type { NX_INT64, NX_TIMESTAMP, NX_UTF8 } nx_type;

typedef struct nx_field {
    const char *name;
    nx_type type;
} nx_field;

static const nx_field nx_person_fields[] = {
    {"id", NX_INT64},   {"name", NX_UTF8},  {"emailAddress", NX_UTF8},   {"creditCard", NX_UTF8},
    {"city", NX_UTF8},  {"state", NX_UTF8}, {"dateTime", NX_TIMESTAMP}, {"extra", NX_UTF8},
};
static const nx_field nx_auction_fields[] = {
    {"id", NX_INT64},          {"itemName", NX_UTF8},    {"description", NX_UTF8}, {"initialBid", NX_INT64},
    {"reserve", NX_INT64},     {"dateTime", NX_TIMESTAMP}, {"expires", NX_TIMESTAMP}, {"seller", NX_INT64},
    {"category", NX_INT64},    {"extra", NX_UTF8},
};
static const nx_field nx_bid_fields[] = {
    {"auction", NX_INT64}, {"bidder", NX_INT64},       {"price", NX_INT64}, {"channel", NX_UTF8},
    {"url", NX_UTF8},      {"dateTime", NX_TIMESTAMP}, {"extra", NX_UTF8},
};

#define NX_COUNT(array) ((int)(sizeof(array) / sizeof((array)[0])))
#define NX_STRUCTS 3
#define NX_LEAVES (NX_COUNT(nx_person_fields) + NX_COUNT(nx_auction_fields) + NX_COUNT(nx_bid_fields))
#define NX_FIELDS_MAX 10

static const char *const nx_struct_names[NX_STRUCTS] = {"person", "auction", "bid"};
static const nx_field *const nx_struct_fields[NX_STRUCTS] = {nx_person_fields, nx_auction_fields, nx_bid_fields};
static const int nx_struct_field_counts[NX_STRUCTS] = {
    NX_COUNT(nx_person_fields), NX_COUNT(nx_auction_fields), NX_COUNT(nx_bid_fields)};

static const char *nx_format(nx_type type) {
    switch (type) {
    case NX_INT64: return "l";
    case NX_TIMESTAMP: return "tsm:UTC";
    case NX_UTF8: return "u";
    }
    return "";
}

typedef struct nx_schema_block {
    struct ArrowSchema event_type;
    struct ArrowSchema structs[NX_STRUCTS];
    struct ArrowSchema fields[NX_STRUCTS][NX_FIELDS_MAX];
    struct ArrowSchema *top_children[1 + NX_STRUCTS];
    struct ArrowSchema *struct_children[NX_STRUCTS][NX_FIELDS_MAX];
} nx_schema_block;

/* The children belong to the top schema's block, freed with it. */
static void nx_schema_child_release(struct ArrowSchema *schema) {
    schema->release = NULL;
}

static void nx_schema_release(struct ArrowSchema *schema) {
    nx_schema_block *block = schema->private_data;
    free(block);
    schema->release = NULL;
}

int nexmark_arrow_schema(struct ArrowSchema *out) {
    nx_schema_block *block = calloc(1, sizeof *block);
    if (block == NULL) return 0;
    block->event_type = (struct ArrowSchema){.format = "i", .name = "event_type", .flags = 0,
                                             .release = nx_schema_child_release};
    block->top_children[0] = &block->event_type;
    for (int s = 0; s < NX_STRUCTS; s++) {
        for (int f = 0; f < nx_struct_field_counts[s]; f++) {
            block->fields[s][f] = (struct ArrowSchema){
                .format = nx_format(nx_struct_fields[s][f].type), .name = nx_struct_fields[s][f].name,
                .flags = ARROW_FLAG_NULLABLE, .release = nx_schema_child_release};
            block->struct_children[s][f] = &block->fields[s][f];
        }
        block->structs[s] = (struct ArrowSchema){
            .format = "+s", .name = nx_struct_names[s], .flags = ARROW_FLAG_NULLABLE,
            .n_children = nx_struct_field_counts[s], .children = block->struct_children[s],
            .release = nx_schema_child_release};
        block->top_children[1 + s] = &block->structs[s];
    }
    *out = (struct ArrowSchema){.format = "+s", .name = "", .flags = 0, .n_children = 1 + NX_STRUCTS,
                                .children = block->top_children, .release = nx_schema_release,
                                .private_data = block};
    return 1;
}

/* ------------------------------------------------------------------------ */
/* The arrays                                                               */
/* ------------------------------------------------------------------------ */

/* One column of a struct's field: int64 values or utf8 offsets and bytes. */
typedef struct nx_leaf {
    nx_type type;
    void *values;   /* int64_t[capacity] or int32_t[capacity + 1] offsets */
    char *chars;    /* utf8 bytes */
    size_t chars_length;
    size_t chars_capacity;
    const void *buffers[3];
    struct ArrowArray array;
} nx_leaf;

struct nexmark_columns {
    int references; /* arrays of the block not yet released */
    uint32_t capacity;
    uint32_t count;
    int32_t *event_type;
    const void *event_type_buffers[2];
    struct ArrowArray event_type_array;
    uint8_t *validity[NX_STRUCTS];
    int64_t null_count[NX_STRUCTS];
    nx_leaf leaves[NX_STRUCTS][NX_FIELDS_MAX];
    const void *struct_buffers[NX_STRUCTS][1];
    struct ArrowArray structs[NX_STRUCTS];
    struct ArrowArray *struct_children[NX_STRUCTS][NX_FIELDS_MAX];
    const void *top_buffers[1];
    struct ArrowArray top;
    struct ArrowArray *top_children[1 + NX_STRUCTS];
};

/* The first utf8 bytes of a batch are reserved at this size per row. */
#define NX_CHARS_PER_ROW_INITIAL 16

void nexmark_columns_discard(nexmark_columns *columns) {
    if (columns == NULL) return;
    free(columns->event_type);
    for (int s = 0; s < NX_STRUCTS; s++) {
        free(columns->validity[s]);
        for (int f = 0; f < nx_struct_field_counts[s]; f++) {
            free(columns->leaves[s][f].values);
            free(columns->leaves[s][f].chars);
        }
    }
    free(columns);
}

nexmark_columns *nexmark_columns_begin(uint32_t capacity) {
    nexmark_columns *columns = calloc(1, sizeof *columns);
    if (columns == NULL) return NULL;
    size_t rows = capacity > 0 ? capacity : 1;
    columns->capacity = capacity;
    columns->event_type = malloc(sizeof(int32_t) * rows);
    int ok = columns->event_type != NULL;
    for (int s = 0; s < NX_STRUCTS && ok; s++) {
        columns->validity[s] = calloc((rows + 7) / 8, 1);
        ok = columns->validity[s] != NULL;
        for (int f = 0; f < nx_struct_field_counts[s] && ok; f++) {
            nx_leaf *leaf = &columns->leaves[s][f];
            leaf->type = nx_struct_fields[s][f].type;
            if (leaf->type == NX_UTF8) {
                leaf->values = malloc(sizeof(int32_t) * (rows + 1));
                leaf->chars_capacity = rows * NX_CHARS_PER_ROW_INITIAL;
                leaf->chars = malloc(leaf->chars_capacity);
                ok = leaf->values != NULL && leaf->chars != NULL;
                if (ok) ((int32_t *)leaf->values)[0] = 0;
            } else {
                leaf->values = malloc(sizeof(int64_t) * rows);
                ok = leaf->values != NULL;
            }
        }
    }
    if (!ok) {
        nexmark_columns_discard(columns);
        return NULL;
    }
    return columns;
}

static inline void nx_put_int64(nx_leaf *leaf, uint32_t row, int64_t value) {
    ((int64_t *)leaf->values)[row] = value;
}

static inline int nx_put_text(nx_leaf *leaf, uint32_t row, nexmark_text text) {
    if (leaf->chars_length + text.length > leaf->chars_capacity) {
        size_t capacity = leaf->chars_capacity * 2;
        while (capacity < leaf->chars_length + text.length) capacity *= 2;
        if (capacity > INT32_MAX) return 0;
        char *grown = realloc(leaf->chars, capacity);
        if (grown == NULL) return 0;
        leaf->chars = grown;
        leaf->chars_capacity = capacity;
    }
    memcpy(leaf->chars + leaf->chars_length, text.data, text.length);
    leaf->chars_length += text.length;
    ((int32_t *)leaf->values)[row + 1] = (int32_t)leaf->chars_length;
    return 1;
}

/* Field values of an absent record: zero, or an empty range. */
static inline void nx_put_null(nx_leaf *leaf, uint32_t row) {
    if (leaf->type == NX_UTF8) {
        int32_t *offsets = leaf->values;
        offsets[row + 1] = offsets[row];
    } else {
        nx_put_int64(leaf, row, 0);
    }
}

int nexmark_columns_append(nexmark_columns *columns, const nexmark_event *event) {
    uint32_t row = columns->count;
    if (row >= columns->capacity) return 0;
    columns->event_type[row] = (int32_t)event->kind;
    int s = (int)event->kind;
    columns->validity[s][row / 8] |= (uint8_t)(1u << (row % 8));
    for (int other = 0; other < NX_STRUCTS; other++) {
        if (other == s) continue;
        columns->null_count[other]++;
        for (int f = 0; f < nx_struct_field_counts[other]; f++) nx_put_null(&columns->leaves[other][f], row);
    }
    nx_leaf *leaf = columns->leaves[s];
    int ok = 1;
    switch (event->kind) {
    case NEXMARK_PERSON:
        nx_put_int64(&leaf[0], row, event->person.id);
        ok = nx_put_text(&leaf[1], row, event->person.name) && nx_put_text(&leaf[2], row, event->person.email_address) &&
             nx_put_text(&leaf[3], row, event->person.credit_card) && nx_put_text(&leaf[4], row, event->person.city) &&
             nx_put_text(&leaf[5], row, event->person.state);
        nx_put_int64(&leaf[6], row, event->date_time);
        ok = ok && nx_put_text(&leaf[7], row, event->person.extra);
        break;
    case NEXMARK_AUCTION:
        nx_put_int64(&leaf[0], row, event->auction.id);
        ok = nx_put_text(&leaf[1], row, event->auction.item_name) &&
             nx_put_text(&leaf[2], row, event->auction.description);
        nx_put_int64(&leaf[3], row, event->auction.initial_bid);
        nx_put_int64(&leaf[4], row, event->auction.reserve);
        nx_put_int64(&leaf[5], row, event->date_time);
        nx_put_int64(&leaf[6], row, event->auction.expires);
        nx_put_int64(&leaf[7], row, event->auction.seller);
        nx_put_int64(&leaf[8], row, event->auction.category);
        ok = ok && nx_put_text(&leaf[9], row, event->auction.extra);
        break;
    case NEXMARK_BID:
        nx_put_int64(&leaf[0], row, event->bid.auction);
        nx_put_int64(&leaf[1], row, event->bid.bidder);
        nx_put_int64(&leaf[2], row, event->bid.price);
        ok = nx_put_text(&leaf[3], row, event->bid.channel) && nx_put_text(&leaf[4], row, event->bid.url);
        nx_put_int64(&leaf[5], row, event->date_time);
        ok = ok && nx_put_text(&leaf[6], row, event->bid.extra);
        break;
    }
    if (!ok) return 0;
    columns->count++;
    return 1;
}

static void nx_unref(nexmark_columns *columns) {
    if (__atomic_sub_fetch(&columns->references, 1, __ATOMIC_ACQ_REL) == 0) nexmark_columns_discard(columns);
}

/* Any array of the block: its children not moved away first, then itself. */
static void nx_array_release(struct ArrowArray *array) {
    for (int64_t i = 0; i < array->n_children; i++) {
        struct ArrowArray *child = array->children[i];
        if (child->release != NULL) child->release(child);
    }
    array->release = NULL;
    nx_unref(array->private_data);
}

void nexmark_columns_finish(nexmark_columns *columns, struct ArrowArray *out) {
    int64_t length = columns->count;
    columns->references = 1 + 1 + NX_STRUCTS + NX_LEAVES;
    columns->event_type_buffers[0] = NULL;
    columns->event_type_buffers[1] = columns->event_type;
    columns->event_type_array = (struct ArrowArray){
        .length = length, .null_count = 0, .n_buffers = 2, .buffers = columns->event_type_buffers,
        .release = nx_array_release, .private_data = columns};
    columns->top_children[0] = &columns->event_type_array;
    for (int s = 0; s < NX_STRUCTS; s++) {
        for (int f = 0; f < nx_struct_field_counts[s]; f++) {
            nx_leaf *leaf = &columns->leaves[s][f];
            leaf->buffers[0] = columns->validity[s];
            leaf->buffers[1] = leaf->values;
            leaf->buffers[2] = leaf->chars;
            leaf->array = (struct ArrowArray){
                .length = length, .null_count = columns->null_count[s], .n_buffers = leaf->type == NX_UTF8 ? 3 : 2,
                .buffers = leaf->buffers, .release = nx_array_release, .private_data = columns};
            columns->struct_children[s][f] = &leaf->array;
        }
        columns->struct_buffers[s][0] = columns->validity[s];
        columns->structs[s] = (struct ArrowArray){
            .length = length, .null_count = columns->null_count[s], .n_buffers = 1,
            .n_children = nx_struct_field_counts[s], .buffers = columns->struct_buffers[s],
            .children = columns->struct_children[s], .release = nx_array_release, .private_data = columns};
        columns->top_children[1 + s] = &columns->structs[s];
    }
    columns->top_buffers[0] = NULL;
    columns->top = (struct ArrowArray){
        .length = length, .null_count = 0, .n_buffers = 1, .n_children = 1 + NX_STRUCTS,
        .buffers = columns->top_buffers, .children = columns->top_children, .release = nx_array_release,
        .private_data = columns};
    *out = columns->top;
    /* The struct handed over is a copy: its children point into the block,
     * and its release frees the block once every child is released too. */
}
