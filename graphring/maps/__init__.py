"""Map outlines shipped with graphring (see NOTICE): no map is ever fetched at run time."""
