"""PostgreSQL: the pool and its codecs, transactions, migrations, LISTEN, batched writes, named queries."""

from service.db.pool import connect, create_pool, transaction, translate

__all__ = ["connect", "create_pool", "transaction", "translate"]
