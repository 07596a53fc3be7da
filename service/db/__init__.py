"""PostgreSQL: the pool and its codecs, transactions, migrations, LISTEN, batched writes, named queries."""

from service.db.pool import connect, create_pool
from service.db.transactions import UNAVAILABLE, ConstraintViolation, transaction, translate

__all__ = ["UNAVAILABLE", "ConstraintViolation", "connect", "create_pool", "transaction", "translate"]
