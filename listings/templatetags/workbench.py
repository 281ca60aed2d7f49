from django import template

from listings import hooks

register = template.Library()


@register.simple_tag(takes_context=True)
def agent_todo(context) -> list[hooks.TodoGroup]:
    """What the signed-in person has to do today, from every app's registered provider."""
    return hooks.todo_for(context["request"].user)
