"""Orders: reserve stock when taken, consume it when shipped, release it when cancelled."""
