"""The ground floor every resource shares (fields, list envelopes, tenancy, transactions); it imports no resource."""
