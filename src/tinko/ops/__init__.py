"""Operations endpoints: health, readiness, metrics."""
