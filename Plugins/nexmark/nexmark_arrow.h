/*
 * nexmark_arrow.h — Nexmark events as typed columns (ABI 1.3): the schema
 * of ddl_gen.sql's physical columns and a batch of events as one Arrow
 * struct array of that schema.
 */
#ifndef STREAMHOST_NEXMARK_ARROW_H
#define STREAMHOST_NEXMARK_ARROW_H

#include "nexmark_model.h"
#include "streamhost.h"

/* Fills *out with the schema (released by out->release); 0 when out of
 * memory:
 *
 *   event_type  int32 not null
 *   person      struct<id int64, name utf8, emailAddress utf8, creditCard utf8,
 *               city utf8, state utf8, dateTime timestamp, extra utf8>
 *   auction     struct<id int64, itemName utf8, description utf8, initialBid int64,
 *               reserve int64, dateTime timestamp, expires timestamp,
 *               seller int64, category int64, extra utf8>
 *   bid         struct<auction int64, bidder int64, price int64, channel utf8,
 *               url utf8, dateTime timestamp, extra utf8>
 *
 * Each row has exactly one of person, auction and bid (the one event_type
 * names: 0, 1, 2); the other two are null, and so are their fields. */
int nexmark_arrow_schema(struct ArrowSchema *out);

/* A batch being built. */
typedef struct nexmark_columns nexmark_columns;

/* Room for `capacity` events; NULL when out of memory. */
nexmark_columns *nexmark_columns_begin(uint32_t capacity);

/* Appends one event (at most `capacity` in all); 0 when out of memory. */
int nexmark_columns_append(nexmark_columns *columns, const nexmark_event *event);

/* Hands the events appended so far over as *out, a struct array whose
 * buffers live until the last of it and its children is released. */
void nexmark_columns_finish(nexmark_columns *columns, struct ArrowArray *out);

/* Frees a batch that was not finished. */
void nexmark_columns_discard(nexmark_columns *columns);

#endif
