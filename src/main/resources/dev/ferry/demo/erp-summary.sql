SELECT kind AS "kind", COUNT(*) AS "records", SUM(received_count) AS "deliveries",
       SUM(duplicate_count) AS "duplicates", SUM(CASE WHEN deleted THEN 1 ELSE 0 END) AS "deleted",
       MAX(last_received_at) AS "lastReceivedAt"
FROM erp_record GROUP BY kind ORDER BY kind
