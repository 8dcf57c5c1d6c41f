"""Pages of the documentation records under /records/ (namespace "records").

Imports and exports come first so that /records/import/ is not read as a record kind.
"""

from sillok.records import import_urls, page_urls

app_name = "records"
urlpatterns = [*import_urls.urlpatterns, *page_urls.urlpatterns]
