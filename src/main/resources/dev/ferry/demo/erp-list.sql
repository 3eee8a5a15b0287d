SELECT record_number AS "number", received_count AS "receivedCount", duplicate_count AS "duplicates", deleted AS "deleted",
       last_received_at AS "lastReceivedAt"
FROM erp_record WHERE kind = :#kind ORDER BY last_received_at DESC, record_number FETCH FIRST 50 ROWS ONLY
