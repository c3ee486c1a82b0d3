def current_org(request):
    return {"org": getattr(request, "org", None), "membership": getattr(request, "membership", None)}
