UPDATE customers SET
    company_name = COALESCE(CAST(:#${body[companyName]} AS VARCHAR(200)), company_name),
    contact_name = COALESCE(CAST(:#${body[contactName]} AS VARCHAR(200)), contact_name),
    email = COALESCE(CAST(:#${body[email]} AS VARCHAR(200)), email),
    status = COALESCE(CAST(:#${body[status]} AS VARCHAR(16)), status),
    deleted_at = CASE CAST(:#${body[deleted]} AS BOOLEAN) WHEN TRUE THEN LOCALTIMESTAMP WHEN FALSE THEN NULL
                 ELSE deleted_at END,
    updated_at = LOCALTIMESTAMP
WHERE id = CAST(:#id AS BIGINT)
