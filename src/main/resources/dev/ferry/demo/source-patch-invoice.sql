UPDATE invoices SET
    status = COALESCE(CAST(:#${body[status]} AS VARCHAR(16)), status),
    updated_at = LOCALTIMESTAMP
WHERE id = CAST(:#id AS BIGINT)
