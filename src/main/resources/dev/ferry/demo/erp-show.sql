SELECT kind AS "kind", record_number AS "number", received_count AS "receivedCount",
       duplicate_count AS "duplicates", deleted AS "deleted", idempotency_key AS "idempotencyKey",
       first_received_at AS "firstReceivedAt", last_received_at AS "lastReceivedAt", payload AS "payload"
FROM erp_record WHERE kind = :#kind AND record_number = :#number
