MERGE INTO erp_record t
USING (SELECT CAST(:#kind AS VARCHAR(20)) AS kind,
              CAST(:#number AS VARCHAR(40)) AS record_number,
              CAST(:#${header[Idempotency-Key]} AS VARCHAR(64)) AS idempotency_key) s
ON (t.kind = s.kind AND t.record_number = s.record_number)
WHEN MATCHED THEN UPDATE SET
    duplicate_count = t.duplicate_count + CASE WHEN t.idempotency_key = s.idempotency_key THEN 1 ELSE 0 END,
    received_count = t.received_count + 1,
    deleted = TRUE,
    idempotency_key = s.idempotency_key,
    last_received_at = CURRENT_TIMESTAMP
WHEN NOT MATCHED THEN INSERT
    (kind, record_number, payload, idempotency_key, received_count, duplicate_count, first_received_at, last_received_at, deleted)
    VALUES (s.kind, s.record_number, '{}', s.idempotency_key, 1, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, TRUE)
