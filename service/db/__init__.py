"""PostgreSQL: the pool and its codecs, transactions, migrations, LISTEN, batched writes, named queries."""

from service.db.pool import connect, create_pool
from service.db.transactions import ConstraintViolation, transaction, translate

__all__ = ["ConstraintViolation", "connect", "create_pool", "transaction", "translate"]
