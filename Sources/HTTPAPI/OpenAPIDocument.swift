/// The OpenAPI 3 document of the HTTP API, served at `/v1/openapi.json`.
/// Written by scripts/openapi.py (edit there); kept in the binary, so that
/// an installed `streamhost` serves it without a resource bundle beside it;
/// HTTPAPITests checks that it parses and names every route, and the
/// schemathesis test checks the running server against it.
public enum OpenAPIDocument {
    public static let json = #"""
{
  "components": {
    "schemas": {
      "Attempt": {
        "properties": {
          "checkpointsCompleted": {
            "type": "integer"
          },
          "countsKnown": {
            "type": "boolean"
          },
          "failure": {
            "nullable": true,
            "type": "string"
          },
          "failureInstance": {
            "nullable": true,
            "type": "integer"
          },
          "failureStep": {
            "nullable": true,
            "type": "string"
          },
          "number": {
            "type": "integer"
          },
          "rejectedRecords": {
            "type": "integer"
          },
          "restoredFrom": {
            "nullable": true,
            "type": "integer"
          },
          "savepoint": {
            "nullable": true,
            "type": "string"
          },
          "seconds": {
            "type": "number"
          },
          "sinkRecords": {
            "type": "integer"
          },
          "sourceRecords": {
            "type": "integer"
          },
          "steps": {
            "items": {
              "$ref": "#/components/schemas/StepCounts"
            },
            "type": "array"
          }
        },
        "required": [
          "number",
          "countsKnown",
          "sourceRecords",
          "sinkRecords",
          "rejectedRecords",
          "checkpointsCompleted",
          "seconds",
          "steps"
        ],
        "type": "object"
      },
      "CheckpointsLive": {
        "properties": {
          "aborted": {
            "type": "integer"
          },
          "completed": {
            "type": "integer"
          },
          "failed": {
            "type": "integer"
          },
          "lastAlignmentMs": {
            "type": "number"
          },
          "lastDurationMs": {
            "type": "number"
          },
          "lastID": {
            "type": "integer"
          },
          "lastSizeBytes": {
            "type": "integer"
          },
          "sampledAtMs": {
            "type": "integer"
          }
        },
        "required": [
          "sampledAtMs",
          "completed",
          "failed",
          "aborted"
        ],
        "type": "object"
      },
      "Error": {
        "properties": {
          "error": {
            "type": "string"
          }
        },
        "required": [
          "error"
        ],
        "type": "object"
      },
      "Group": {
        "properties": {
          "groupId": {
            "type": "string"
          },
          "members": {
            "items": {
              "properties": {
                "assignment": {
                  "items": {
                    "properties": {
                      "partitions": {
                        "items": {
                          "type": "integer"
                        },
                        "type": "array"
                      },
                      "topic": {
                        "type": "string"
                      }
                    },
                    "required": [
                      "partitions",
                      "topic"
                    ],
                    "type": "object"
                  },
                  "type": "array"
                },
                "clientHost": {
                  "type": "string"
                },
                "clientId": {
                  "type": "string"
                },
                "memberId": {
                  "type": "string"
                }
              },
              "required": [
                "assignment",
                "clientHost",
                "clientId",
                "memberId"
              ],
              "type": "object"
            },
            "type": "array"
          },
          "offsets": {
            "items": {
              "properties": {
                "committedOffset": {
                  "type": "integer"
                },
                "endOffset": {
                  "nullable": true,
                  "type": "integer"
                },
                "lag": {
                  "nullable": true,
                  "type": "integer"
                },
                "partition": {
                  "type": "integer"
                },
                "topic": {
                  "type": "string"
                }
              },
              "required": [
                "topic",
                "partition",
                "committedOffset"
              ],
              "type": "object"
            },
            "type": "array"
          },
          "protocolType": {
            "type": "string"
          },
          "state": {
            "type": "string"
          },
          "totalLag": {
            "nullable": true,
            "type": "integer"
          }
        },
        "required": [
          "groupId",
          "state",
          "protocolType"
        ],
        "type": "object"
      },
      "InstanceLive": {
        "properties": {
          "backPressuredMsPerSecond": {
            "type": "number"
          },
          "busyMsPerSecond": {
            "type": "number"
          },
          "idleMsPerSecond": {
            "type": "number"
          },
          "inputChannelFill": {
            "type": "number"
          },
          "inputWatermarkMs": {
            "type": "integer"
          },
          "instance": {
            "type": "integer"
          },
          "outputWatermarkMs": {
            "type": "integer"
          },
          "recordsIn": {
            "type": "integer"
          },
          "recordsInPerSecond": {
            "type": "number"
          },
          "recordsOut": {
            "type": "integer"
          },
          "recordsOutPerSecond": {
            "type": "number"
          },
          "watermarkLagMs": {
            "type": "number"
          }
        },
        "required": [
          "instance",
          "recordsIn",
          "recordsOut",
          "inputChannelFill"
        ],
        "type": "object"
      },
      "JobActionResult": {
        "properties": {
          "id": {
            "type": "string"
          },
          "message": {
            "type": "string"
          },
          "savepoint": {
            "nullable": true,
            "type": "string"
          }
        },
        "required": [
          "id",
          "message"
        ],
        "type": "object"
      },
      "JobDescription": {
        "properties": {
          "attempts": {
            "items": {
              "$ref": "#/components/schemas/Attempt"
            },
            "type": "array"
          },
          "checkpoints": {
            "items": {
              "properties": {
                "bytes": {
                  "type": "integer"
                },
                "directory": {
                  "type": "string"
                },
                "id": {
                  "type": "integer"
                },
                "kind": {
                  "enum": [
                    "checkpoint",
                    "savepoint"
                  ],
                  "type": "string"
                },
                "triggeredAtMs": {
                  "type": "integer"
                }
              },
              "required": [
                "bytes",
                "directory",
                "id",
                "kind",
                "triggeredAtMs"
              ],
              "type": "object"
            },
            "type": "array"
          },
          "exceptions": {
            "items": {
              "properties": {
                "attempt": {
                  "nullable": true,
                  "type": "integer"
                },
                "instance": {
                  "nullable": true,
                  "type": "integer"
                },
                "message": {
                  "type": "string"
                },
                "step": {
                  "nullable": true,
                  "type": "string"
                }
              },
              "required": [
                "message"
              ],
              "type": "object"
            },
            "type": "array"
          },
          "fileName": {
            "type": "string"
          },
          "fromSavepoint": {
            "nullable": true,
            "type": "string"
          },
          "liveCheckpoints": {
            "$ref": "#/components/schemas/CheckpointsLive"
          },
          "overrides": {
            "items": {
              "type": "string"
            },
            "type": "array"
          },
          "overview": {
            "$ref": "#/components/schemas/JobOverview"
          },
          "plugins": {
            "items": {
              "type": "string"
            },
            "type": "array"
          },
          "restoredFrom": {
            "items": {
              "nullable": true,
              "type": "integer"
            },
            "type": "array"
          },
          "savepoint": {
            "nullable": true,
            "type": "string"
          },
          "steps": {
            "items": {
              "properties": {
                "component": {
                  "type": "string"
                },
                "id": {
                  "type": "string"
                },
                "inputs": {
                  "items": {
                    "type": "string"
                  },
                  "type": "array"
                },
                "kind": {
                  "type": "string"
                },
                "live": {
                  "$ref": "#/components/schemas/StepLive"
                },
                "parallelism": {
                  "type": "integer"
                },
                "recordsIn": {
                  "nullable": true,
                  "type": "integer"
                },
                "recordsOut": {
                  "nullable": true,
                  "type": "integer"
                },
                "rejected": {
                  "nullable": true,
                  "type": "integer"
                }
              },
              "required": [
                "id",
                "kind",
                "component",
                "parallelism",
                "inputs"
              ],
              "type": "object"
            },
            "type": "array"
          },
          "supervisorPid": {
            "nullable": true,
            "type": "integer"
          }
        },
        "required": [
          "overview",
          "fileName",
          "plugins",
          "overrides",
          "steps",
          "attempts",
          "restoredFrom",
          "checkpoints",
          "exceptions"
        ],
        "type": "object"
      },
      "JobHistory": {
        "properties": {
          "checkpoints": {
            "items": {
              "properties": {
                "alignmentMs": {
                  "nullable": true,
                  "type": "number"
                },
                "atMs": {
                  "type": "integer"
                },
                "count": {
                  "type": "integer"
                },
                "durationMs": {
                  "nullable": true,
                  "type": "number"
                },
                "id": {
                  "nullable": true,
                  "type": "integer"
                },
                "outcome": {
                  "enum": [
                    "completed",
                    "failed",
                    "aborted"
                  ],
                  "type": "string"
                },
                "sizeBytes": {
                  "nullable": true,
                  "type": "integer"
                }
              },
              "required": [
                "alignmentMs",
                "atMs",
                "count",
                "durationMs",
                "id",
                "outcome",
                "sizeBytes"
              ],
              "type": "object"
            },
            "type": "array"
          },
          "steps": {
            "items": {
              "properties": {
                "backPressuredMsPerSecond": {
                  "items": {
                    "nullable": true,
                    "type": "number"
                  },
                  "type": "array"
                },
                "busyMsPerSecond": {
                  "items": {
                    "nullable": true,
                    "type": "number"
                  },
                  "type": "array"
                },
                "id": {
                  "type": "string"
                },
                "recordsInPerSecond": {
                  "items": {
                    "nullable": true,
                    "type": "number"
                  },
                  "type": "array"
                },
                "recordsOutPerSecond": {
                  "items": {
                    "nullable": true,
                    "type": "number"
                  },
                  "type": "array"
                },
                "watermarkLagMs": {
                  "items": {
                    "nullable": true,
                    "type": "number"
                  },
                  "type": "array"
                }
              },
              "required": [
                "backPressuredMsPerSecond",
                "busyMsPerSecond",
                "id",
                "recordsInPerSecond",
                "recordsOutPerSecond",
                "watermarkLagMs"
              ],
              "type": "object"
            },
            "type": "array"
          },
          "times": {
            "items": {
              "type": "integer"
            },
            "type": "array"
          }
        },
        "required": [
          "checkpoints",
          "steps",
          "times"
        ],
        "type": "object"
      },
      "JobOverview": {
        "properties": {
          "attempts": {
            "type": "integer"
          },
          "id": {
            "type": "string"
          },
          "name": {
            "type": "string"
          },
          "restarts": {
            "type": "integer"
          },
          "state": {
            "enum": [
              "created",
              "running",
              "finished",
              "failed",
              "stopped",
              "cancelled"
            ],
            "type": "string"
          },
          "submittedAtMs": {
            "type": "integer"
          }
        },
        "required": [
          "attempts",
          "id",
          "name",
          "restarts",
          "state",
          "submittedAtMs"
        ],
        "type": "object"
      },
      "JobSubmitRequest": {
        "properties": {
          "fileName": {
            "type": "string"
          },
          "fromSavepoint": {
            "nullable": true,
            "type": "string"
          },
          "jobText": {
            "type": "string"
          },
          "overrides": {
            "items": {
              "type": "string"
            },
            "type": "array"
          },
          "plugins": {
            "items": {
              "type": "string"
            },
            "type": "array"
          }
        },
        "required": [
          "jobText",
          "fileName",
          "plugins",
          "overrides"
        ],
        "type": "object"
      },
      "LogHistory": {
        "properties": {
          "groups": {
            "items": {
              "properties": {
                "groupId": {
                  "type": "string"
                },
                "partitions": {
                  "items": {
                    "properties": {
                      "committedOffset": {
                        "type": "integer"
                      },
                      "endOffset": {
                        "nullable": true,
                        "type": "integer"
                      },
                      "lag": {
                        "nullable": true,
                        "type": "integer"
                      },
                      "lagHistory": {
                        "items": {
                          "nullable": true,
                          "type": "number"
                        },
                        "type": "array"
                      },
                      "partition": {
                        "type": "integer"
                      },
                      "topic": {
                        "type": "string"
                      }
                    },
                    "required": [
                      "committedOffset",
                      "endOffset",
                      "lag",
                      "lagHistory",
                      "partition",
                      "topic"
                    ],
                    "type": "object"
                  },
                  "type": "array"
                },
                "state": {
                  "type": "string"
                },
                "totalLag": {
                  "nullable": true,
                  "type": "integer"
                }
              },
              "required": [
                "groupId",
                "partitions",
                "state",
                "totalLag"
              ],
              "type": "object"
            },
            "type": "array"
          },
          "seriesLeftOut": {
            "type": "integer"
          },
          "times": {
            "items": {
              "type": "integer"
            },
            "type": "array"
          },
          "topics": {
            "items": {
              "properties": {
                "bytes": {
                  "type": "integer"
                },
                "endOffsets": {
                  "type": "integer"
                },
                "history": {
                  "properties": {
                    "bytes": {
                      "items": {
                        "nullable": true,
                        "type": "number"
                      },
                      "type": "array"
                    },
                    "bytesPerSecond": {
                      "items": {
                        "nullable": true,
                        "type": "number"
                      },
                      "type": "array"
                    },
                    "recordsPerSecond": {
                      "items": {
                        "nullable": true,
                        "type": "number"
                      },
                      "type": "array"
                    }
                  },
                  "required": [
                    "bytes",
                    "bytesPerSecond",
                    "recordsPerSecond"
                  ],
                  "type": "object"
                },
                "isInternal": {
                  "type": "boolean"
                },
                "name": {
                  "type": "string"
                },
                "partitionCount": {
                  "type": "integer"
                }
              },
              "required": [
                "bytes",
                "endOffsets",
                "history",
                "isInternal",
                "name",
                "partitionCount"
              ],
              "type": "object"
            },
            "type": "array"
          }
        },
        "required": [
          "groups",
          "seriesLeftOut",
          "times",
          "topics"
        ],
        "type": "object"
      },
      "Partition": {
        "properties": {
          "bytes": {
            "type": "integer"
          },
          "endOffset": {
            "type": "integer"
          },
          "lastStableOffset": {
            "type": "integer"
          },
          "partition": {
            "type": "integer"
          },
          "segments": {
            "type": "integer"
          },
          "startOffset": {
            "type": "integer"
          }
        },
        "required": [
          "bytes",
          "endOffset",
          "lastStableOffset",
          "partition",
          "segments",
          "startOffset"
        ],
        "type": "object"
      },
      "StepCounts": {
        "properties": {
          "recordsIn": {
            "type": "integer"
          },
          "recordsOut": {
            "type": "integer"
          },
          "rejected": {
            "type": "integer"
          },
          "stepID": {
            "type": "string"
          }
        },
        "required": [
          "recordsIn",
          "recordsOut",
          "rejected",
          "stepID"
        ],
        "type": "object"
      },
      "StepLive": {
        "properties": {
          "backPressuredMsPerSecond": {
            "type": "number"
          },
          "busyMsPerSecond": {
            "type": "number"
          },
          "idleMsPerSecond": {
            "type": "number"
          },
          "inputWatermarkMs": {
            "type": "integer"
          },
          "instances": {
            "items": {
              "$ref": "#/components/schemas/InstanceLive"
            },
            "type": "array"
          },
          "outputWatermarkMs": {
            "type": "integer"
          },
          "recordsIn": {
            "type": "integer"
          },
          "recordsInPerSecond": {
            "type": "number"
          },
          "recordsOut": {
            "type": "integer"
          },
          "recordsOutPerSecond": {
            "type": "number"
          },
          "sampledAtMs": {
            "type": "integer"
          },
          "watermarkLagMs": {
            "type": "number"
          }
        },
        "required": [
          "sampledAtMs",
          "recordsIn",
          "recordsOut",
          "instances"
        ],
        "type": "object"
      },
      "Topic": {
        "properties": {
          "bytes": {
            "type": "integer"
          },
          "configs": {
            "additionalProperties": {
              "type": "string"
            },
            "type": "object"
          },
          "isInternal": {
            "type": "boolean"
          },
          "name": {
            "type": "string"
          },
          "partitionCount": {
            "type": "integer"
          },
          "partitions": {
            "items": {
              "$ref": "#/components/schemas/Partition"
            },
            "type": "array"
          }
        },
        "required": [
          "name",
          "isInternal",
          "partitionCount",
          "bytes"
        ],
        "type": "object"
      }
    },
    "securitySchemes": {
      "bearer": {
        "scheme": "bearer",
        "type": "http"
      }
    }
  },
  "info": {
    "description": "Jobs, topics, consumer groups and plugins of a `streamhost serve` (docs/SERVER.md, 'HTTP API'). Requests that change something need `Authorization: Bearer TOKEN`; so does every request from off loopback, except /v1/health, /v1/ready and /v1/openapi.json. The dashboard (the page at /) draws /v1/jobs and /v1/dashboard/*.",
    "title": "streamhost HTTP API",
    "version": "1"
  },
  "openapi": "3.0.3",
  "paths": {
    "/v1/dashboard/jobs/{id}": {
      "get": {
        "operationId": "jobHistory",
        "parameters": [
          {
            "in": "path",
            "name": "id",
            "required": true,
            "schema": {
              "pattern": "^[0-9a-f]{16}$",
              "type": "string"
            }
          },
          {
            "description": "How far back the history goes, in seconds",
            "in": "query",
            "name": "seconds",
            "required": false,
            "schema": {
              "default": 300,
              "maximum": 600,
              "minimum": 1,
              "type": "integer"
            }
          }
        ],
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/JobHistory"
                }
              }
            },
            "description": "The job's live history kept by the server (one sample a second, 10 minutes): per step throughput, watermark lag and busy / back-pressured time, and checkpoint outcomes"
          },
          "400": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "Bad request (a job file's mistake as file:line:col, a bad id)"
          },
          "404": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "No such job"
          }
        }
      }
    },
    "/v1/dashboard/log": {
      "get": {
        "operationId": "logHistory",
        "parameters": [
          {
            "description": "How far back the history goes, in seconds",
            "in": "query",
            "name": "seconds",
            "required": false,
            "schema": {
              "default": 300,
              "maximum": 600,
              "minimum": 1,
              "type": "integer"
            }
          }
        ],
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/LogHistory"
                }
              }
            },
            "description": "Topics' sizes and rates and consumer groups' lag per partition, with their history (one sample a second, 10 minutes)"
          },
          "400": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "Bad request (a job file's mistake as file:line:col, a bad id)"
          }
        }
      }
    },
    "/v1/groups": {
      "get": {
        "operationId": "listGroups",
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "properties": {
                    "groups": {
                      "items": {
                        "$ref": "#/components/schemas/Group"
                      },
                      "type": "array"
                    }
                  },
                  "required": [
                    "groups"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "The consumer groups"
          }
        }
      }
    },
    "/v1/groups/{group}": {
      "get": {
        "operationId": "describeGroup",
        "parameters": [
          {
            "in": "path",
            "name": "group",
            "required": true,
            "schema": {
              "maxLength": 255,
              "minLength": 1,
              "type": "string"
            }
          }
        ],
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Group"
                }
              }
            },
            "description": "The group: members, assignments, committed offsets, lag"
          },
          "400": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "Bad request (a job file's mistake as file:line:col, a bad id)"
          },
          "404": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "No such group"
          }
        }
      }
    },
    "/v1/health": {
      "get": {
        "operationId": "health",
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "properties": {
                    "status": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "status"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "The server runs"
          }
        }
      }
    },
    "/v1/jobs": {
      "get": {
        "operationId": "listJobs",
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "properties": {
                    "jobs": {
                      "items": {
                        "$ref": "#/components/schemas/JobOverview"
                      },
                      "type": "array"
                    }
                  },
                  "required": [
                    "jobs"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "The jobs"
          }
        }
      },
      "post": {
        "operationId": "submitJob",
        "requestBody": {
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/JobSubmitRequest"
              }
            }
          },
          "required": true
        },
        "responses": {
          "201": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/JobOverview"
                }
              }
            },
            "description": "Submitted and started"
          },
          "400": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "Bad request (a job file's mistake as file:line:col, a bad id)"
          },
          "401": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "Missing or wrong bearer token"
          },
          "403": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "No token configured on the server"
          },
          "409": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "The job is not in a state that allows it"
          },
          "413": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "Body over the size limit"
          },
          "500": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "The service failed"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ]
      }
    },
    "/v1/jobs/{id}": {
      "get": {
        "operationId": "describeJob",
        "parameters": [
          {
            "in": "path",
            "name": "id",
            "required": true,
            "schema": {
              "pattern": "^[0-9a-f]{16}$",
              "type": "string"
            }
          }
        ],
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/JobDescription"
                }
              }
            },
            "description": "The job"
          },
          "400": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "Bad request (a job file's mistake as file:line:col, a bad id)"
          },
          "404": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "No such job"
          }
        }
      }
    },
    "/v1/jobs/{id}/cancel": {
      "post": {
        "operationId": "cancelJob",
        "parameters": [
          {
            "in": "path",
            "name": "id",
            "required": true,
            "schema": {
              "pattern": "^[0-9a-f]{16}$",
              "type": "string"
            }
          }
        ],
        "requestBody": {
          "content": {
            "application/json": {
              "schema": {
                "properties": {
                  "savepoint": {
                    "type": "boolean"
                  }
                },
                "required": [],
                "type": "object"
              }
            }
          },
          "required": false
        },
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/JobActionResult"
                }
              }
            },
            "description": "Cancelled (or stopped with a savepoint)"
          },
          "400": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "Bad request (a job file's mistake as file:line:col, a bad id)"
          },
          "401": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "Missing or wrong bearer token"
          },
          "403": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "No token configured on the server"
          },
          "404": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "No such job"
          },
          "409": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "The job is not in a state that allows it"
          },
          "413": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "Body over the size limit"
          },
          "500": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "The service failed"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ]
      }
    },
    "/v1/jobs/{id}/rescale": {
      "post": {
        "operationId": "rescaleJob",
        "parameters": [
          {
            "in": "path",
            "name": "id",
            "required": true,
            "schema": {
              "pattern": "^[0-9a-f]{16}$",
              "type": "string"
            }
          }
        ],
        "requestBody": {
          "content": {
            "application/json": {
              "schema": {
                "properties": {
                  "parallelism": {
                    "maximum": 32768,
                    "minimum": 1,
                    "type": "integer"
                  }
                },
                "required": [
                  "parallelism"
                ],
                "type": "object"
              }
            }
          },
          "required": true
        },
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/JobActionResult"
                }
              }
            },
            "description": "Rescaled through a savepoint"
          },
          "400": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "Bad request (a job file's mistake as file:line:col, a bad id)"
          },
          "401": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "Missing or wrong bearer token"
          },
          "403": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "No token configured on the server"
          },
          "404": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "No such job"
          },
          "409": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "The job is not in a state that allows it"
          },
          "413": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "Body over the size limit"
          },
          "500": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "The service failed"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ]
      }
    },
    "/v1/jobs/{id}/savepoints": {
      "post": {
        "operationId": "savepointJob",
        "parameters": [
          {
            "in": "path",
            "name": "id",
            "required": true,
            "schema": {
              "pattern": "^[0-9a-f]{16}$",
              "type": "string"
            }
          }
        ],
        "responses": {
          "201": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/JobActionResult"
                }
              }
            },
            "description": "Savepoint taken"
          },
          "400": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "Bad request (a job file's mistake as file:line:col, a bad id)"
          },
          "401": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "Missing or wrong bearer token"
          },
          "403": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "No token configured on the server"
          },
          "404": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "No such job"
          },
          "409": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "The job is not in a state that allows it"
          },
          "500": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "The service failed"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ]
      }
    },
    "/v1/jobs/{id}/swap": {
      "post": {
        "operationId": "swapJob",
        "parameters": [
          {
            "in": "path",
            "name": "id",
            "required": true,
            "schema": {
              "pattern": "^[0-9a-f]{16}$",
              "type": "string"
            }
          }
        ],
        "requestBody": {
          "content": {
            "application/json": {
              "schema": {
                "properties": {
                  "plugin": {
                    "type": "string"
                  }
                },
                "required": [
                  "plugin"
                ],
                "type": "object"
              }
            }
          },
          "required": true
        },
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/JobActionResult"
                }
              }
            },
            "description": "Swapped to the new build"
          },
          "400": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "Bad request (a job file's mistake as file:line:col, a bad id)"
          },
          "401": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "Missing or wrong bearer token"
          },
          "403": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "No token configured on the server"
          },
          "404": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "No such job"
          },
          "409": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "The job is not in a state that allows it"
          },
          "413": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "Body over the size limit"
          },
          "500": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "The service failed"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ]
      }
    },
    "/v1/openapi.json": {
      "get": {
        "operationId": "openapi",
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "type": "object"
                }
              }
            },
            "description": "This document"
          }
        }
      }
    },
    "/v1/plugins": {
      "get": {
        "operationId": "listPlugins",
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "properties": {
                    "host_abi": {
                      "type": "string"
                    },
                    "host_version": {
                      "type": "string"
                    },
                    "plugins": {
                      "items": {
                        "type": "object"
                      },
                      "type": "array"
                    }
                  },
                  "required": [
                    "plugins"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "The host's version and ABI, and the built-in plugins and those jobs name with their components, as `plugin inspect --json` reports them"
          },
          "500": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "Inspecting failed"
          }
        }
      }
    },
    "/v1/ready": {
      "get": {
        "operationId": "ready",
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "properties": {
                    "status": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "status"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "Ready"
          },
          "503": {
            "content": {
              "application/json": {
                "schema": {
                  "properties": {
                    "status": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "status"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "Stopping"
          }
        }
      }
    },
    "/v1/topics": {
      "get": {
        "operationId": "listTopics",
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "properties": {
                    "topics": {
                      "items": {
                        "$ref": "#/components/schemas/Topic"
                      },
                      "type": "array"
                    }
                  },
                  "required": [
                    "topics"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "The topics"
          }
        }
      }
    },
    "/v1/topics/{topic}": {
      "get": {
        "operationId": "describeTopic",
        "parameters": [
          {
            "in": "path",
            "name": "topic",
            "required": true,
            "schema": {
              "pattern": "^[A-Za-z0-9._-]{1,249}$",
              "type": "string"
            }
          }
        ],
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Topic"
                }
              }
            },
            "description": "The topic with its partitions and configs"
          },
          "400": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "Bad request (a job file's mistake as file:line:col, a bad id)"
          },
          "404": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "No such topic"
          }
        }
      }
    }
  },
  "servers": [
    {
      "url": "/"
    }
  ]
}
"""#
}
