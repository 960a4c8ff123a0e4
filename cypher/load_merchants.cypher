// Shops. $rows: [{merchant_id, props: {name, platform, ..., opened_on: 'YYYY-MM-DD'}}]
UNWIND $rows AS row
MERGE (m:Merchant {merchant_id: row.merchant_id})
SET m += row.props
SET m.opened_on = CASE WHEN row.props.opened_on IS NULL THEN null
                       ELSE date(row.props.opened_on) END
